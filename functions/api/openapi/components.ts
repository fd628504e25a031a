import * as z from 'zod';
import { BATCHING } from '../../batching/settings';
import {
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  ServiceUnavailableError,
  type TasklaneError,
  UnauthorizedError,
  ValidationError,
  ConflictError,
} from '../../core/errors';
import type { TaskTypes } from '../../core/task-types';
import { errorBody } from '../errors';
import { createScheduleBody, updateScheduleBody } from '../schedule-routes';
import { sendEmailBody } from '../send-email-route';
import { completeBody, failBody } from '../token-routes';
import { IDEMPOTENCY_KEY, LIMITS, createTaskBody, rerunBody } from '../validation';
import { jsonResponse, schemaRef, type Json } from './refs';
import * as views from './response-schemas';

type Registry = ReturnType<typeof z.registry<{ id: string }>>;

/** components.schemas: every request schema as it validates, the payload of each task type, the response shapes. */
function schemas(types: TaskTypes): Record<string, Json> {
  const registry: Registry = z.registry<{ id: string }>();
  // Added after generation: descriptions in this registry would replace those the schemas carry (.meta, .describe).
  const descriptions: Record<string, string> = {};
  for (const type of types.list()) {
    registry.add(type.payloadSchema, { id: `TaskPayload.${type.name}` });
    descriptions[`TaskPayload.${type.name}`] = type.description;
    // The request as POST /tasks and POST /schedules validate it, with `type` fixed and the payload checked by the type.
    const narrow = { type: z.literal(type.name), payload: type.payloadSchema.optional() };
    registry.add(createTaskBody.extend(narrow), { id: `CreateTaskRequest.${type.name}` });
    registry.add(createScheduleBody.extend(narrow), { id: `CreateScheduleRequest.${type.name}` });
  }
  const requests: [z.ZodType, string, string][] = [
    [rerunBody, 'RerunRequest', 'Optional: a payload in place of the original task’s (checked by its type).'],
    [sendEmailBody, 'SendEmailRequest', 'An `email` task in short: `body` becomes the e-mail’s `text`.'],
    [updateScheduleBody, 'UpdateScheduleRequest', 'At least one field; `webhook_url: null` removes it.'],
    [completeBody, 'CompleteTokenRequest', 'Any JSON `value` (at most 64 KiB stored): what ctx.waitForToken returns.'],
    [failBody, 'FailTokenRequest', 'A message, or a name and a message: what ctx.waitForToken throws.'],
  ];
  for (const [schema, id, description] of requests) {
    registry.add(schema, { id });
    descriptions[id] = description;
  }
  const responses: [z.ZodType, string][] = [
    [views.errorResponse, 'Error'],
    [views.fieldErrors, 'FieldErrors'],
    [views.task, 'Task'],
    [views.taskPage, 'TaskPage'],
    [views.taskTypeList, 'TaskTypeList'],
    [views.redriveReport, 'RedriveReport'],
    [views.settledToken, 'SettledToken'],
    [views.schedule, 'Schedule'],
    [views.schedulePage, 'SchedulePage'],
    [views.batch, 'Batch'],
    [views.batchPage, 'BatchPage'],
    [views.eventsAccepted, 'EventsAccepted'],
    [views.eventStats, 'EventStats'],
    [views.upload, 'Upload'],
    [views.sendEmailAccepted, 'SendEmailAccepted'],
    [views.webhookSecret, 'WebhookSecret'],
    [views.rotatedSecret, 'RotatedSecret'],
    [views.health, 'Health'],
    [views.taskEventData, 'TaskEventData'],
    [views.stepEventData, 'StepEventData'],
  ];
  for (const [schema, id] of responses) registry.add(schema, { id });

  const generated = z.toJSONSchema(registry, {
    io: 'input',
    // Refinements and transforms have no JSON Schema; what they check is said in descriptions and the README.
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas as Record<string, Json>;
  // Components are parts of one document: no $schema or $id of their own (OpenAPI 3.1 uses JSON Schema 2020-12).
  const components = Object.fromEntries(
    Object.entries(generated).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [
      id,
      descriptions[id] ? { description: descriptions[id], ...schema } : schema,
    ]),
  );

  const byType = (prefix: string, description: string): Json => ({
    description,
    oneOf: types.names().map((name) => schemaRef(`${prefix}.${name}`)),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(types.names().map((name) => [name, `#/components/schemas/${prefix}.${name}`])),
    },
  });
  return {
    ...components,
    CreateTaskRequest: byType(
      'CreateTaskRequest',
      'A task of one of the registered types; `payload` is checked by the type.',
    ),
    CreateScheduleRequest: byType('CreateScheduleRequest', 'A cron schedule creating tasks of one registered type.'),
    // Checked by the event service, not a zod schema: its limits are the ones it enforces.
    EventsRequest: {
      description: `One event (a JSON object of at most ${BATCHING.maxEventBytes} bytes), or an array of 1–${BATCHING.maxEventsPerRequest} of them.`,
      oneOf: [
        { type: 'object' },
        { type: 'array', minItems: 1, maxItems: BATCHING.maxEventsPerRequest, items: { type: 'object' } },
      ],
    },
  };
}

/** An error response whose example is what the API answers with for that error class. */
function errorResponseOf(description: string, error: TasklaneError, headers?: Json): Json {
  return jsonResponse(description, schemaRef('Error'), errorBody(error.code, error.message, error.details), headers);
}

const ERROR_RESPONSES: Record<string, Json> = {
  ValidationError: errorResponseOf(
    '`validation_error`: bad JSON, an unknown or invalid field, an unknown `type`, a bad query parameter, cursor or header. `details` names each field and its rule (FieldErrors).',
    new ValidationError('The request body is not valid.', [
      { field: 'delay_seconds', rule: 'must be a whole number of seconds from 0 to 31536000' },
    ]),
  ),
  Unauthorized: errorResponseOf('`unauthorized`: a missing, unknown or revoked API key.', new UnauthorizedError()),
  NotFound: errorResponseOf(
    '`not_found`: unknown, or another tenant’s (answered alike).',
    new NotFoundError('No task with id "01M8FW54X830X4HT5D1AH85R16".'),
  ),
  Conflict: errorResponseOf(
    '`task_finished`, `task_not_finished`, `idempotency_key_reused`, `schedule_limit` or `token_settled`: the state of the resource forbids the request.',
    new ConflictError('idempotency_key_reused', 'Idempotency-Key "order-42" was used with a different request.'),
  ),
  PayloadTooLarge: errorResponseOf(
    `\`payload_too_large\`: a body over ${LIMITS.maxBodyBytes} bytes, an event over ${BATCHING.maxEventBytes} bytes, a payload too large as stored, or an upload over 10 MiB given as \`payload_upload_id\`; nothing was written.`,
    new PayloadTooLargeError(`The request body exceeds ${LIMITS.maxBodyBytes} bytes.`, [
      { field: 'body', rule: `at most ${LIMITS.maxBodyBytes} bytes` },
    ]),
  ),
  RateLimited: errorResponseOf(
    '`rate_limited`: the tenant’s task creation limit is used up; retry after `Retry-After` seconds.',
    new RateLimitedError(2),
    { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } } },
  ),
  ServiceUnavailable: errorResponseOf(
    '`service_unavailable`: the queue or table refused; nothing was started, the request can be retried.',
    new ServiceUnavailableError('The task queue is unavailable; nothing was started. Retry the request.'),
  ),
  InternalError: jsonResponse(
    '`internal_error`: something failed on our side; the request can be retried.',
    schemaRef('Error'),
    errorBody('internal_error', 'Something went wrong on our side; the request can be retried.'),
  ),
};

/** The document's components: schemas, error responses, shared header parameters, the API key schemes. */
export function buildComponents(types: TaskTypes): Json {
  return {
    schemas: schemas(types),
    responses: ERROR_RESPONSES,
    parameters: {
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'The same key and body return the same task (`Idempotent-Replayed: true`) and never run it twice; the same key with another body is a 409.',
        schema: {
          type: 'string',
          minLength: 1,
          maxLength: LIMITS.maxIdempotencyKeyLength,
          pattern: IDEMPOTENCY_KEY.source,
        },
        example: 'order-42',
      },
    },
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`.' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same API key: `x-api-key: <key>`.' },
    },
  };
}
