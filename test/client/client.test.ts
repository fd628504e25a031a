import { describe, expect, it } from 'vitest';
import { Tasklane, TasklaneError } from '../../client/src';
import { json, scriptedFetch } from './fake-fetch';

const task = (id: string) => ({ task_id: id, type: 'generic', status: 'completed' });

describe('Tasklane', () => {
  it.each([
    {
      options: { baseUrl: 'localhost:3000', apiKey: 'k' },
      message: /baseUrl must be an http\(s\) URL \(got "localhost:3000"\)/,
    },
    {
      options: { baseUrl: '/api', apiKey: 'k' },
      message: /baseUrl must be an absolute http\(s\) URL.*\(got "\/api"\)/,
    },
    {
      options: { baseUrl: 'http://127.0.0.1:3000', streamBaseUrl: 'ftp://example.com/', apiKey: 'k' },
      message: /streamBaseUrl must be an http\(s\) URL \(got "ftp:\/\/example.com\/"\)/,
    },
    { options: { baseUrl: 'http://127.0.0.1:3000', apiKey: ' ' }, message: /apiKey is required/ },
    {
      options: { baseUrl: 'http://127.0.0.1:3000', apiKey: 'k', retries: -1 },
      message: /retries: maxRetries must be a whole number ≥ 0 \(got -1\)/,
    },
    {
      options: { baseUrl: 'http://127.0.0.1:3000', apiKey: 'k', retries: { baseDelayMs: 0.5 } },
      message: /retries: baseDelayMs .*\(got 0.5\)/,
    },
  ])('refuses $options naming the option and the value', ({ options, message }) => {
    // Act
    const make = () => new Tasklane(options);

    // Assess
    expect(make).toThrow(TasklaneError);
    expect(make).toThrow(message);
  });

  it('lists every task of every page, passing each next_cursor and the filters on', async () => {
    // Prepare
    const { fetch, seen } = scriptedFetch([
      json(200, { items: [task('a'), task('b')], next_cursor: 'c1' }),
      json(200, { items: [task('c')], next_cursor: 'c2' }),
      json(200, { items: [], next_cursor: null }),
    ]);
    const tasklane = new Tasklane({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k', fetch });

    // Act
    const ids: string[] = [];
    for await (const t of tasklane.tasks.list({ status: 'completed', limit: 2 })) ids.push(t.task_id);

    // Assess
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(seen.map((r) => new URL(r.url).search)).toEqual([
      '?status=completed&limit=2',
      '?status=completed&limit=2&cursor=c1',
      '?status=completed&limit=2&cursor=c2',
    ]);
  });

  it('stops fetching pages when the loop stops', async () => {
    // Prepare
    const { fetch, seen } = scriptedFetch([
      json(200, { items: [task('a'), task('b')], next_cursor: 'c1' }),
      json(200, { items: [task('c')], next_cursor: null }),
    ]);
    const tasklane = new Tasklane({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k', fetch });

    // Act
    for await (const t of tasklane.tasks.list()) if (t.task_id === 'a') break;

    // Assess
    expect(seen).toHaveLength(1);
  });

  it.each([
    { status: 200, outcome: 'canceled' },
    { status: 202, outcome: 'stopping' },
  ])('reports a cancel answered $status as $outcome', async ({ status, outcome }) => {
    // Prepare
    const { fetch } = scriptedFetch([json(status, task('a'))]);
    const tasklane = new Tasklane({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k', fetch });

    // Act
    const canceled = await tasklane.tasks.cancel('a');

    // Assess
    expect(canceled.outcome).toBe(outcome);
  });
});
