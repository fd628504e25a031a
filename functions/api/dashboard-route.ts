import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import type { AppEnv } from './context';

export interface DashboardOptions {
  /** The page, functions/dashboard/index.html. */
  html: string;
  /**
   * A key the page starts with. Only the local stack sets it (its own tenant's key, on loopback),
   * and only a page asked for by a loopback name gets it; a deployed dashboard asks for one.
   */
  apiKey?: string;
  /**
   * The browser build of @tasklane/client (client/browser-bundle.ts), served at GET /client.js for
   * the page to import: the dashboard calls the API through the same client as everyone else.
   * Asked for once, on the first request.
   */
  clientScript?: () => Promise<string> | string;
  /**
   * Where the page opens task streams when not at its own origin: in AWS the stream is on a REST
   * API of its own (StreamUrl), which the page may then connect to as well.
   */
  streamUrl?: string;
}

/**
 * Host headers of a page the local key may go to. Any other name, even one that resolves to
 * 127.0.0.1, may be a DNS-rebinding page of another origin reading ours: it gets the page without
 * the key. https://en.wikipedia.org/wiki/DNS_rebinding
 */
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/** Where the page looks for a preset key. */
export const KEY_PLACEHOLDER = '<meta name="tasklane-api-key" content="">';
/** Where the page looks for the streams' base URL (empty: its own). */
export const STREAM_URL_PLACEHOLDER = '<meta name="tasklane-stream-url" content="">';

/**
 * GET /: the dashboard, one static page without a key of its own: it calls the API with the key
 * the user enters. Its inline script is allowed by hash, and it may talk to this origin only.
 */
export function registerDashboard(app: Hono<AppEnv>, options: DashboardOptions): void {
  if (!options.html.includes(KEY_PLACEHOLDER)) throw new Error(`The dashboard page lacks ${KEY_PLACEHOLDER}.`);
  const { streamUrl } = options;
  const streamOrigin = streamUrl ? new URL(streamUrl).origin : undefined;
  const keyless = streamUrl
    ? options.html.replace(
        STREAM_URL_PLACEHOLDER,
        `<meta name="tasklane-stream-url" content="${escapeAttribute(streamUrl)}">`,
      )
    : options.html;
  const withKey = options.apiKey
    ? keyless.replace(KEY_PLACEHOLDER, `<meta name="tasklane-api-key" content="${escapeAttribute(options.apiKey)}">`)
    : keyless;
  const policy = [
    "default-src 'none'",
    // The preset key is a meta tag, not a script or style: both pages have the same hashes. 'self'
    // is the client module the page imports (GET /client.js).
    `script-src 'self' ${inlineHashes(keyless, 'script')}`,
    `style-src ${inlineHashes(keyless, 'style')}`,
    streamOrigin ? `connect-src 'self' ${streamOrigin}` : "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  app.get('/', (c) => {
    c.header('Content-Security-Policy', policy);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    return c.html(LOOPBACK_HOST.test(c.req.header('host') ?? '') ? withKey : keyless);
  });

  const { clientScript } = options;
  if (!clientScript) return;
  let script: Promise<string> | undefined;
  app.get('/client.js', async (c) => {
    // A failed read is not kept: the next request tries again.
    script ??= Promise.resolve(clientScript()).catch((error: unknown) => {
      script = undefined;
      throw error;
    });
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('X-Content-Type-Options', 'nosniff');
    // The page is never cached (no-store); its module may be for a few minutes.
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(await script);
  });
}

/** CSP sources allowing exactly the page's inline <script> or <style> blocks. */
function inlineHashes(page: string, tag: 'script' | 'style'): string {
  const blocks = [...page.matchAll(new RegExp(`<${tag}(?: type="module")?>([\\s\\S]*?)</${tag}>`, 'g'))].map(
    (m) => m[1] ?? '',
  );
  return (
    blocks.map((block) => `'sha256-${createHash('sha256').update(block, 'utf8').digest('base64')}'`).join(' ') ||
    "'none'"
  );
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
