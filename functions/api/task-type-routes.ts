import type { Hono } from 'hono';
import * as z from 'zod';
import { NotFoundError } from '../core/errors';
import type { Clock, Log } from '../core/ports';
import type { QueueDepths } from '../core/queue-depths';
import { redriveTaskDeadLetters, type TaskDeadLetters } from '../core/task-redrive';
import type { TaskService } from '../core/task-service';
import type { TaskTypes } from '../core/task-types';
import type { AppEnv } from './context';

export interface TaskTypeRouteDeps {
  types: TaskTypes;
  tasks: TaskService;
  log: Log;
  clock: Clock;
  /** The types' dead-letter queues: `dlq_depth` and the redrive route exist only with them. */
  deadLetters?: TaskDeadLetters;
  /** The types' queues: `queue_depth` exists only with them. */
  queueDepths?: QueueDepths;
}

/** GET /task-types (with each type's queue and DLQ depth) and POST /task-types/{type}/redrive. */
export function registerTaskTypeRoutes(app: Hono<AppEnv>, deps: TaskTypeRouteDeps): void {
  app.get('/task-types', async (c) => {
    const types = deps.types.list();
    const depthsOf = (queues: QueueDepths | undefined) => Promise.all(types.map((t) => queues?.depth(t.name)));
    const [queueDepths, dlqDepths] = await Promise.all([depthsOf(deps.queueDepths), depthsOf(deps.deadLetters)]);
    return c.json({
      items: types.map((t, i) => ({
        name: t.name,
        description: t.description,
        payload_schema: z.toJSONSchema(t.payloadSchema, { io: 'input', unrepresentable: 'any' }),
        max_attempts: t.settings.maxAttempts,
        timeout_seconds: t.settings.timeoutSeconds,
        ...(queueDepths[i] === undefined ? {} : { queue_depth: queueDepths[i] }),
        ...(dlqDepths[i] === undefined ? {} : { dlq_depth: dlqDepths[i] }),
      })),
    });
  });

  const deadLetters = deps.deadLetters;
  if (!deadLetters) return;
  app.post('/task-types/:type/redrive', async (c) => {
    const type = deps.types.find(c.req.param('type'));
    if (!type)
      throw new NotFoundError(`No task type "${c.req.param('type')}". Known types: ${deps.types.names().join(', ')}.`);
    const report = await redriveTaskDeadLetters(
      { deadLetters, tasks: deps.tasks, log: deps.log, clock: deps.clock },
      c.get('tenant'),
      type.name,
    );
    return c.json(report);
  });
}
