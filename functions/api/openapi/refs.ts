import * as z from 'zod';

/** An OpenAPI object as JSON: the document is plain data, checked by an OpenAPI validator in tests. */
export type Json = Record<string, unknown>;

/** A reference to a schema in components.schemas. */
export function schemaRef(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

/** A JSON request body; `required: false` for bodies that may be left out. */
export function jsonBody(schema: Json, example: unknown, required = true): Json {
  return { required, content: { 'application/json': { schema, example } } };
}

/** A JSON response. */
export function jsonResponse(description: string, schema: Json, example?: unknown, headers?: Json): Json {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
  };
}

/** The error responses in components.responses, by status. */
export const ERROR_RESPONSES = {
  400: 'ValidationError',
  401: 'Unauthorized',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  429: 'RateLimited',
  503: 'ServiceUnavailable',
} as const;

export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/**
 * An operation's error responses: the given statuses, plus 401 (every route behind the key) and
 * 500 (any route may fail on our side).
 */
export function errors(...statuses: ErrorStatus[]): Json {
  const all = [...new Set<ErrorStatus>([401, ...statuses])].sort();
  return {
    ...Object.fromEntries(all.map((s) => [String(s), { $ref: `#/components/responses/${ERROR_RESPONSES[s]}` }])),
    500: { $ref: '#/components/responses/InternalError' },
  };
}

/** Query parameters from the zod object that validates the query string. */
export function queryParameters(schema: z.ZodObject): Json[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}

/** A path parameter. */
export function pathParameter(name: string, description: string, example: string): Json {
  return { name, in: 'path', required: true, description, schema: { type: 'string', minLength: 1 }, example };
}
