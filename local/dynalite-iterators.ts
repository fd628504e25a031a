import { createRequire } from 'node:module';

/** The part of abstract-level's iterator classes this workaround touches. */
interface IteratorClass {
  prototype: { close(): Promise<void>; return?: () => Promise<void> };
}

/** dynalite's two storage backends: in memory, and LevelDB on disk (`--data-dir`), through `level`. */
const BACKENDS = [['memory-level'], ['level', 'classic-level']] as const;

/**
 * Makes dynalite close the LevelDB iterator behind every Query and Scan.
 *
 * dynalite 4.0.0 wraps each iterator in a stream whose destroy calls `iterator.return()`, but
 * abstract-level 3 iterators have `close()` and no `return()`: none is ever closed. Each stays in
 * its database's set of open resources with the range buffers and the tree snapshot it read, so
 * the stack grows by about 5 KB per Query even when it is idle (the sweeper and the flush query
 * every shard on each run). Giving the iterators the `return()` dynalite calls closes them; it is
 * added only where it is missing, so a fixed dynalite or abstract-level leaves it unused.
 * `npm run bench:soak` measures the stack's memory over time.
 */
export function closeDynaliteIterators(): void {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  for (const chain of BACKENDS) {
    let resolve = fromDynalite;
    for (const name of chain) resolve = createRequire(resolve.resolve(name));
    const abstractLevel = resolve('abstract-level') as Record<
      'AbstractIterator' | 'AbstractKeyIterator' | 'AbstractValueIterator',
      IteratorClass
    >;
    for (const iterator of [
      abstractLevel.AbstractIterator,
      abstractLevel.AbstractKeyIterator,
      abstractLevel.AbstractValueIterator,
    ]) {
      iterator.prototype.return ??= function (this: { close(): Promise<void> }) {
        return this.close();
      };
    }
  }
}
