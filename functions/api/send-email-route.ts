import type { Hono } from 'hono';
import * as z from 'zod';
import type { TaskService } from '../core/task-service';
import { email, emailAddresses, emailSubject } from '../task-types/email';
import { readJson } from './json-body';
import { parseIdempotencyKey, parseOrThrow, timingFields } from './validation';
import type { AppEnv } from './context';

/** POST /send-email's body; also the OpenAPI document's SendEmailRequest. */
export const sendEmailBody = z
  .object({ to: emailAddresses, subject: emailSubject, body: z.string().min(1), ...timingFields })
  .strict();

/** POST /send-email: the classic fire-and-forget endpoint, an alias that creates an `email` task (status, retries, webhooks included). */
export function registerSendEmailRoute(app: Hono<AppEnv>, tasks: TaskService): void {
  app.post('/send-email', async (c) => {
    const { to, subject, body, ...timing } = parseOrThrow(sendEmailBody, await readJson(c.req.raw), 'request body');
    const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
    const { task, replayed } = await tasks.create({
      tenant: c.get('tenant'),
      type: email.name,
      payload: { to, subject, text: body },
      ...timing,
      idempotencyKey,
    });
    c.header('Location', `/tasks/${encodeURIComponent(task.id)}`);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json({ task_id: task.id, message: 'Email queued for sending' }, 202);
  });
}
