import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import type { TaskTypes } from '../core/task-types';
import type { AppEnv } from './context';
import { buildOpenApiDocument } from './openapi/document';
import { DOCS_STYLE, renderDocsPage } from './openapi/docs-page';

/** The page's one inline stylesheet, allowed by its hash; no script, and nothing from any origin. */
const DOCS_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(DOCS_STYLE, 'utf8').digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET /openapi.json and GET /docs, no key needed: the API's OpenAPI document and a reference page
 * rendered from it. Register them before the key check; the document is built on first request,
 * from the routes the app serves by then, so it lists exactly the routes this app was built with.
 */
export function registerOpenApiRoutes(app: Hono<AppEnv>, types: TaskTypes): void {
  let document: { json: string; html: string } | undefined;
  const built = () => {
    if (!document) {
      const openapi = buildOpenApiDocument(types, app.routes);
      document = { json: JSON.stringify(openapi), html: renderDocsPage(openapi) };
    }
    return document;
  };

  app.get('/openapi.json', (c) => {
    c.header('Content-Type', 'application/json; charset=UTF-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(built().json);
  });

  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', DOCS_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'public, max-age=300');
    return c.html(built().html);
  });
}
