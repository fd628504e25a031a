import * as z from 'zod';
import { defineTaskType } from '../core/task-type';

/** SES takes at most 50 recipients per message: https://docs.aws.amazon.com/ses/latest/dg/quotas.html */
export const MAX_RECIPIENTS = 50;

const address = z.email({ message: 'must be an e-mail address' }).max(320);
/** One address or a list of them; stored as a list. */
export const emailAddresses = z
  .union([address, z.array(address).min(1).max(MAX_RECIPIENTS)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

// 998 characters: the longest line RFC 5322 allows, and the subject is one header line.
export const emailSubject = z.string().trim().min(1).max(998);

export const emailPayload = z
  .object({
    to: emailAddresses,
    subject: emailSubject,
    text: z.string().min(1).optional(),
    html: z.string().min(1).optional(),
    from: address.optional(),
    reply_to: emailAddresses.optional(),
  })
  .strict()
  .refine((p) => p.text !== undefined || p.html !== undefined, { message: 'give text, html or both', path: ['text'] });

/** Sends one e-mail with SES (SESv2 SendEmail). Rejections fail at once; throttling and SES faults retry. */
export const email = defineTaskType({
  name: 'email',
  description:
    'Sends one e-mail through Amazon SES: to (one or a list), subject, text and/or html, optional from and reply_to.',
  payloadSchema: emailPayload,
  settings: {
    timeoutSeconds: 30,
    maxAttempts: 5,
    backoff: { baseSeconds: 2, capSeconds: 120 },
    batchSize: 10,
    // Well under SES's default sending rate of 14 messages a second.
    maxConcurrency: 5,
    memoryMb: 256,
  },
  uses: ['email'],
  async run(ctx) {
    const { to, subject, text, html, from, reply_to } = ctx.payload;
    await ctx.progress(10, `sending to ${to.length} recipient${to.length === 1 ? '' : 's'}`);
    const { messageId } = await ctx.services.email.send({ to, subject, text, html, from, replyTo: reply_to });
    await ctx.progress(100, 'sent');
    return { message_id: messageId };
  },
});
