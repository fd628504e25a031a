import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { streamText } from 'hono/streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app';
import type { Log } from '../../functions/core/ports';
import type { TaskService } from '../../functions/core/task-service';
import { createLocalServer } from '../../local/http-server';
import { taskTypes } from '../../functions/task-types/registry';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
/** How long a test waits for the server to act before it fails: well past any timeout it configures. */
const DEADLINE_MS = 5_000;

/** The API app as the local stack serves it; these requests never get past validation, so no store is needed. */
const api = () =>
  createApp({ tasks: {} as TaskService, types: taskTypes, resolveTenant: async () => 'acme', log: silent });

let server: Server | undefined;
const sockets: Socket[] = [];

async function start(
  fetch: Parameters<typeof createLocalServer>[0]['fetch'],
  requestTimeoutMs?: number,
): Promise<number> {
  server = createLocalServer({ fetch, port: 0, hostname: '127.0.0.1', requestTimeoutMs });
  await new Promise<void>((resolve, reject) => {
    server!.once('listening', resolve);
    server!.once('error', reject);
  });
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
});

/** A raw TCP connection that records everything the server sends and when it closes. */
function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return {
    socket,
    received: () => received,
    closed,
    /** Resolves once `predicate` holds for what was received; fails the test after DEADLINE_MS. */
    async until(predicate: (text: string) => boolean, what: string): Promise<string> {
      const deadline = Date.now() + DEADLINE_MS;
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(`no ${what} within ${DEADLINE_MS} ms; received: ${JSON.stringify(received.slice(0, 300))}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received;
    },
  };
}

function withinDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const postHead = (port: number, length: number) =>
  `POST /tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('createLocalServer', () => {
  describe('a body over the limit on a keep-alive connection', () => {
    it('lets a client that sent 300 KB and got 413 go on with its next requests (Node fetch, keep-alive)', async () => {
      // Prepare
      const port = await start(api().fetch);
      const url = `http://127.0.0.1:${port}/tasks`;
      const headers = { 'content-type': 'application/json' };

      // Act
      const tooLarge = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'generic', payload: { pad: 'x'.repeat(300 * 1024) } }),
      });
      await tooLarge.arrayBuffer();
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const malformed = await fetch(url, { method: 'POST', headers, body: '{"type":' });
        codes.push(`${malformed.status} ${((await malformed.json()) as { error: { code: string } }).error.code}`);
      }

      // Assess
      expect(tooLarge.status).toBe(413);
      expect(codes).toEqual(Array(3).fill('400 validation_error'));
    });

    it('says Connection: close on the 413 and then closes, instead of closing silently', async () => {
      // Prepare
      const port = await start(api().fetch);
      const connection = rawConnection(port);
      const body = 'x'.repeat(300 * 1024);

      // Act
      connection.socket.write(postHead(port, body.length) + body);
      const response = await connection.until(
        (text) => text.includes('\r\n\r\n') && text.trimEnd().endsWith('}'),
        '413 response',
      );
      await withinDeadline(connection.closed, 'closing the connection');

      // Assess
      const [head = ''] = response.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 413 /);
      expect(head.toLowerCase()).toContain('\r\nconnection: close');
    });

    it('keeps the connection of a request whose body was read whole', async () => {
      // Prepare
      const port = await start(api().fetch);
      const connection = rawConnection(port);
      const body = '{"type":';

      // Act
      connection.socket.write(postHead(port, body.length) + body);
      await connection.until((text) => text.includes('validation_error'), 'first 400');
      connection.socket.write(postHead(port, body.length) + body);
      const both = await connection.until(
        (text) => text.split('validation_error').length === 3,
        'second 400 on the same connection',
      );

      // Assess
      expect(both.match(/HTTP\/1\.1 400 /g)).toHaveLength(2);
      expect(both.toLowerCase()).not.toContain('connection: close');
    });
  });

  describe('request timeout', () => {
    it('answers a body that trickles in past the timeout with 408 and closes the connection', async () => {
      // Prepare
      const port = await start(api().fetch, 300);
      const connection = rawConnection(port);
      connection.socket.write(postHead(port, 10_000));
      const trickle = setInterval(() => connection.socket.writable && connection.socket.write('x'), 50);

      // Act
      try {
        await withinDeadline(connection.closed, 'closing the trickling connection');
      } finally {
        clearInterval(trickle);
      }

      // Assess
      expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('answers headers that trickle in past the timeout with 408 too', async () => {
      // Prepare
      const port = await start(api().fetch, 300);
      const connection = rawConnection(port);
      connection.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      const trickle = setInterval(() => connection.socket.writable && connection.socket.write('X-Slow: 1\r\n'), 50);

      // Act
      try {
        await withinDeadline(connection.closed, 'closing the connection with slow headers');
      } finally {
        clearInterval(trickle);
      }

      // Assess
      expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('does not cut a response that streams for longer than the timeout once the request is in', async () => {
      // Prepare: a stream of 1 s behind a 300 ms request timeout.
      const app = new Hono();
      app.get('/slow', (c) =>
        streamText(c, async (stream) => {
          for (let i = 0; i < 5; i++) {
            await stream.write(`${i}\n`);
            await stream.sleep(200);
          }
        }),
      );
      const port = await start(app.fetch, 300);

      // Act
      const response = await fetch(`http://127.0.0.1:${port}/slow`);
      const text = await response.text();

      // Assess
      expect(text).toBe('0\n1\n2\n3\n4\n');
    });
  });
});
