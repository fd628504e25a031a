import type { TaskTypes } from '../../core/task-types';
import { LIMITS } from '../validation';
import { buildComponents } from './components';
import { otherOperations, publicOperations } from './other-operations';
import type { Json } from './refs';
import { taskOperations } from './task-operations';

/** A route as Hono lists it in `app.routes`. */
export interface ServedRoute {
  method: string;
  path: string;
}

/** Hono's `/tasks/:id` as OpenAPI's `/tasks/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)/g, '{$1}');
}

/** Every operation the document can describe, keyed by "METHOD /path". */
function catalog(): Record<string, Json> {
  return { ...publicOperations(), ...taskOperations(), ...otherOperations() };
}

/** The routes the document can describe, as "METHOD /path". */
export function documentedRoutes(): string[] {
  return Object.keys(catalog());
}

/** `GET /tasks/{id}/stream` → `getTasksIdStream`: stable names for generated clients. */
function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/**
 * The OpenAPI 3.1 document of the routes the app serves: the app is the source of truth for which
 * routes exist (optional ones depend on its configuration), the catalog for what each one does.
 */
export function buildOpenApiDocument(types: TaskTypes, served: readonly ServedRoute[]): Json {
  const operations = catalog();
  const paths: Record<string, Record<string, Json>> = {};
  const routes = [
    ...new Set(served.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${openApiPath(r.path)}`)),
  ];
  // By path, then method: the order a reader (and the docs page) walks the API in.
  const byPath = routes
    .map((route) => route.split(' ') as [string, string])
    .sort(([m1, p1], [m2, p2]) => (p1 === p2 ? m1.localeCompare(m2) : p1.localeCompare(p2)));
  for (const [method, path] of byPath) {
    const operation = operations[`${method} ${path}`];
    if (!operation) continue;
    paths[path] = { ...paths[path], [method.toLowerCase()]: { operationId: operationId(method, path), ...operation } };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tasklane API',
      version: '1',
      description: [
        'Serverless background tasks: create a task of a registered type, watch it run, get its result.',
        'Every route but GET /health, GET /, GET /openapi.json and GET /docs needs an API key, as `Authorization: Bearer <key>` or `x-api-key: <key>`; everything a key sees belongs to its tenant (another tenant’s resource is a 404, like a missing one).',
        `Errors are JSON \`{"error":{"code","message","details?"}}\`. Request bodies are at most ${LIMITS.maxBodyBytes} bytes; pages hold 1–${LIMITS.maxPageSize} items (default ${LIMITS.defaultPageSize}).`,
      ].join('\n\n'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [
      { name: 'tasks', description: 'Create, read, cancel, rerun and watch tasks.' },
      { name: 'task types', description: 'The registered types and their dead-letter queues.' },
      { name: 'schedules', description: 'Cron schedules that create tasks.' },
      { name: 'events', description: 'Buffered events, flushed in batches.' },
      { name: 'durable steps', description: 'Settling the tokens waiting tasks hand out.' },
      { name: 'webhooks', description: 'The secret that signs webhook deliveries.' },
      { name: 'meta', description: 'Liveness, the dashboard and this document; no key needed.' },
    ],
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
    components: buildComponents(types),
  };
}
