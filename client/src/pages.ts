import type { CallOptions } from './transport';

/** One page of a listing, as the API returns it: `next_cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * A listing: iterate it with `for await` to get every item of every page, newest first (pages are
 * fetched as the loop needs them), or call `page()` for one page and its cursor.
 */
export class Paginated<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: (cursor: string | undefined, options: CallOptions) => Promise<Page<T>>) {}

  /** One page: the first, or the one after `cursor` (a `next_cursor` this same listing returned). */
  page(cursor?: string, options: CallOptions = {}): Promise<Page<T>> {
    return this.fetchPage(cursor, options);
  }

  /** Every page in turn, from `cursor` (the first page when unset) to the last. */
  async *pages(cursor?: string, options: CallOptions = {}): AsyncGenerator<Page<T>, void, undefined> {
    let next = cursor;
    do {
      const page = await this.fetchPage(next, options);
      yield page;
      next = page.next_cursor ?? undefined;
    } while (next !== undefined);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }
}
