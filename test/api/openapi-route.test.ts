import { createHash } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createApp, type ApiDeps } from '../../functions/api/app';
import { KEY_PLACEHOLDER } from '../../functions/api/dashboard-route';
import { documentedRoutes } from '../../functions/api/openapi/document';
import { DOCS_STYLE } from '../../functions/api/openapi/docs-page';
import type { Log } from '../../functions/core/ports';
import type { TaskTypeDefinition } from '../../functions/core/task-type';
import { taskTypeLookup, type TaskTypes } from '../../functions/core/task-types';
import { TASK_TYPES, taskTypes } from '../../functions/task-types/registry';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const API_KEY = `tl_ab12cd34_${'K'.repeat(43)}`;

/**
 * The app with every optional route group switched on. Nothing behind the routes is called: the
 * document and the page need no service, and no key.
 */
function fullApp(types: TaskTypes = taskTypes) {
  const unused = {} as never;
  return createApp({
    tasks: unused,
    types,
    resolveTenant: async (c) => (c.req.header('authorization') === `Bearer ${API_KEY}` ? 'acme' : undefined),
    log: silent,
    deadLetters: unused,
    webhookSecrets: unused,
    events: unused,
    stream: { reader: unused },
    dashboard: { html: `<html>${KEY_PLACEHOLDER}</html>`, clientScript: () => 'export {};' },
    uploads: unused,
    schedules: unused,
    tokens: unused,
  } satisfies ApiDeps);
}

/** The app without any optional route group. */
function bareApp() {
  return createApp({ tasks: {} as never, types: taskTypes, resolveTenant: async () => undefined, log: silent });
}

type Document = {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any>; responses: Record<string, any>; securitySchemes: Record<string, any> };
  security: unknown[];
};

async function documentOf(app: ReturnType<typeof createApp>): Promise<Document> {
  return (await app.request('/openapi.json')).json() as Promise<Document>;
}

/** The app's routes as "METHOD /path" in OpenAPI syntax (middleware, method ALL, left out). */
function servedRoutes(app: ReturnType<typeof createApp>): string[] {
  const routes = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
  return [...new Set(routes)].sort();
}

function documentRoutes(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

const schemaOf = (document: Document, name: string) => document.components.schemas[name];

describe('GET /openapi.json', () => {
  it('answers without an API key with a document an independent OpenAPI 3.1 validator accepts', async () => {
    // Act
    const response = await fullApp().request('/openapi.json');
    const document = await response.json();
    const result = await new Validator().validate(document);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(document.openapi).toBe('3.1.0');
    expect(result).toEqual({ valid: true });
  });

  it('lists exactly the routes the app serves, with the same method and path', async () => {
    // Prepare
    const app = fullApp();

    // Act
    const document = await documentOf(app);

    // Assess: the app is the truth; a route the catalog lacks, or one the app dropped, fails here.
    expect(documentRoutes(document)).toEqual(servedRoutes(app));
    expect([...documentedRoutes()].sort()).toEqual(servedRoutes(app));
    expect(document.paths['/tasks/{id}/rerun']?.post).toBeDefined();
  });

  it('leaves out the routes an app is built without', async () => {
    // Prepare
    const app = bareApp();

    // Act
    const document = await documentOf(app);

    // Assess
    expect(documentRoutes(document)).toEqual(servedRoutes(app));
    expect(document.paths['/uploads']).toBeUndefined();
    expect(document.paths['/schedules']).toBeUndefined();
    expect(document.paths['/tasks']?.post).toBeDefined();
  });

  it.each([
    ['concurrency_key', 'maxLength', 128],
    ['concurrency_key', 'minLength', 1],
    ['delay_seconds', 'maximum', 31_536_000],
    ['ttl_seconds', 'minimum', 1],
    ['webhook_url', 'maxLength', 2048],
  ])('takes %s %s (%d) from the schema that validates POST /tasks', async (field, keyword, value) => {
    // Act
    const document = await documentOf(fullApp());

    // Assess: every type's variant of the request carries the field's limit.
    for (const type of taskTypes.names()) {
      expect(schemaOf(document, `CreateTaskRequest.${type}`).properties[field][keyword]).toBe(value);
    }
  });

  it('takes query limits and the Idempotency-Key rule from the validation', async () => {
    // Act
    const document = await documentOf(fullApp());
    const list = document.paths['/tasks']!.get.parameters as { name: string; schema: any }[];
    const limit = list.find((p) => p.name === 'limit')!.schema;

    // Assess
    expect(limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(document.paths['/tasks']!.post.parameters).toEqual([{ $ref: '#/components/parameters/IdempotencyKey' }]);
    expect(JSON.stringify(document)).toContain('"maxLength":255,"pattern":"^[\\\\x20-\\\\x7e]{1,255}$"');
  });

  it.each(TASK_TYPES.map((t) => [t.name, t] as const))(
    'has the payload schema of the registered type %s, chosen by `type`',
    async (name, type) => {
      // Act
      const document = await documentOf(fullApp());
      const { $schema: _, ...expected } = z.toJSONSchema(type.payloadSchema, { io: 'input', unrepresentable: 'any' });

      // Assess
      expect(schemaOf(document, `TaskPayload.${name}`)).toMatchObject(expected);
      expect(schemaOf(document, `CreateTaskRequest.${name}`).properties.payload).toEqual({
        $ref: `#/components/schemas/TaskPayload.${name}`,
      });
      expect(schemaOf(document, 'CreateTaskRequest').oneOf).toContainEqual({
        $ref: `#/components/schemas/CreateTaskRequest.${name}`,
      });
      expect(schemaOf(document, 'CreateTaskRequest').discriminator.mapping[name]).toBe(
        `#/components/schemas/CreateTaskRequest.${name}`,
      );
    },
  );

  it('follows the task types it is handed, not a list of its own', async () => {
    // Prepare: a type the registry does not have.
    const resize: TaskTypeDefinition = {
      ...TASK_TYPES[0]!,
      name: 'resize-image',
      payloadSchema: z.object({ width: z.int().min(1).max(4096) }).strict(),
    };

    // Act
    const document = await documentOf(fullApp(taskTypeLookup([...TASK_TYPES, resize])));

    // Assess
    expect(schemaOf(document, 'TaskPayload.resize-image').properties.width).toMatchObject({ maximum: 4096 });
    expect(schemaOf(document, 'CreateTaskRequest').oneOf).toHaveLength(TASK_TYPES.length + 1);
    expect(await new Validator().validate(document)).toEqual({ valid: true });
  });

  it('describes every error status with the one error shape, and Retry-After on 429', async () => {
    // Act
    const document = await documentOf(fullApp());
    const create = document.paths['/tasks']!.post.responses;
    const { responses } = document.components;

    // Assess
    expect(Object.keys(create).sort()).toEqual(['202', '400', '401', '409', '413', '429', '500', '503']);
    for (const response of Object.values(responses)) {
      expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    expect(responses.ValidationError.content['application/json'].example.error).toMatchObject({
      code: 'validation_error',
      details: [expect.objectContaining({ field: 'delay_seconds' })],
    });
    expect(responses.RateLimited.headers['Retry-After'].schema).toEqual({ type: 'integer', minimum: 1 });
    expect(schemaOf(document, 'Error').properties.error.required).toEqual(['code', 'message']);
  });

  it('asks for the API key as Bearer or x-api-key on every route but the public ones', async () => {
    // Act
    const document = await documentOf(fullApp());
    const open = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => Array.isArray(operation.security) && operation.security.length === 0)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );

    // Assess
    expect(document.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(document.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
    });
    expect(open.sort()).toEqual(['GET /', 'GET /client.js', 'GET /docs', 'GET /health', 'GET /openapi.json']);
  });

  it('documents the stream as text/event-stream', async () => {
    // Act
    const document = await documentOf(fullApp());
    const stream = document.paths['/tasks/{id}/stream']!.get;

    // Assess
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    expect(stream.responses['204']).toBeDefined();
    expect(stream.parameters).toContainEqual(expect.objectContaining({ name: 'Last-Event-ID', in: 'header' }));
  });
});

describe('GET /docs', () => {
  it('serves the reference page without a key while the API routes still need one', async () => {
    // Prepare
    const app = fullApp();

    // Act
    const page = await app.request('/docs');
    const tasks = await app.request('/tasks');
    const html = await page.text();

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(tasks.status).toBe(401);
    for (const path of ['/tasks/{id}/rerun', '/task-types/{type}/redrive', '/webhooks/secret/rotate']) {
      expect(html).toContain(`<code>${path}</code>`);
    }
    expect(html).toContain('id="schema-TaskPayload.generic"');
  });

  it('loads nothing: no script, and a policy that allows only its own inline style', async () => {
    // Act
    const page = await fullApp().request('/docs');
    const html = await page.text();
    const policy = page.headers.get('content-security-policy') ?? '';
    const hash = `'sha256-${createHash('sha256').update(DOCS_STYLE).digest('base64')}'`;

    // Assess
    expect(html).not.toMatch(/<script|<link|<img|<iframe/i);
    expect(html).toContain(`<style>${DOCS_STYLE}</style>`);
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining(["default-src 'none'", `style-src ${hash}`, "frame-ancestors 'none'"]),
    );
    expect(policy).not.toMatch(/script-src|https?:/);
  });
});
