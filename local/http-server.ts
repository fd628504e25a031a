import type { Server } from 'node:http';
import { serve, type HttpBindings } from '@hono/node-server';

export interface LocalServerOptions {
  /** The app: `app.fetch` of the same Hono app the Lambda serves. */
  fetch: (request: Request, env: HttpBindings) => Response | Promise<Response>;
  port: number;
  hostname: string;
  /** Time a client has to send a whole request, headers and body; REQUEST_TIMEOUT_MS unless set (tests shorten it). */
  requestTimeoutMs?: number;
}

/**
 * 30 s for a whole request, as API Gateway gives a client 30 s too; Node's own defaults (300 s for
 * a request, 60 s for headers) let a body that trickles in hold its connection for five minutes.
 * https://nodejs.org/api/http.html#serverrequesttimeout
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The local stack's HTTP server: Hono's Node adapter with request timeouts, and honest about the
 * connections it will not keep. Listening starts at once, as with `serve`.
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  return serve({
    fetch: async (request, env) => {
      // serve() is typed for HTTP/2 servers too; this one is node:http's, with HTTP/1.1 bindings.
      const bindings = env as HttpBindings;
      const response = await options.fetch(request, bindings);
      // Answered before its body arrived (a 413, a 401): the rest of the body is still on its way,
      // so this connection ends after the response, and says so; a client that kept it would have
      // its next request read as body or dropped with the socket (RFC 9112, section 9.6).
      if (!bindings.incoming.complete) bindings.outgoing.setHeader('Connection', 'close');
      return response;
    },
    port: options.port,
    hostname: options.hostname,
    serverOptions: {
      requestTimeout,
      // Headers are part of the request: never allow them longer than the whole.
      headersTimeout: requestTimeout,
      // Node looks for expired requests this often (30 s by default, which would double the bound).
      connectionsCheckingInterval: Math.min(1_000, requestTimeout),
    },
  }) as Server;
}
