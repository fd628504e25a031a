import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import type { RuntimeConfig } from '../config';
import { PermanentTaskError, RetryableTaskError } from '../core/errors';
import type { EmailMessage, EmailSender } from '../core/task-services';

/**
 * SendEmail rejections that no retry fixes: the message or an address is invalid, the sender is not
 * a verified identity, or the account may not send. Listed by class, from the API reference:
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors
 */
const PERMANENT = [
  MessageRejected,
  MailFromDomainNotVerifiedException,
  BadRequestException,
  NotFoundException,
  AccountSuspendedException,
  SendingPausedException,
];
/** Throttling and quota: another attempt after the backoff may go through. */
const THROTTLED = [TooManyRequestsException, LimitExceededException];

/** Maps an SDK error to the task error classes; by class and fault, never by message text. */
export function classifySesError(error: unknown): Error {
  const cause = { cause: error };
  if (THROTTLED.some((type) => error instanceof type))
    return new RetryableTaskError(`SES throttled the request: ${describe(error)}`, cause);
  if (PERMANENT.some((type) => error instanceof type))
    return new PermanentTaskError(`SES rejected the e-mail: ${describe(error)}`, cause);
  // Any other 4xx (e.g. AccessDeniedException when the sender is not an identity this worker may use) is the request's fault.
  if (error instanceof SESv2ServiceException && error.$fault === 'client' && error.$metadata.httpStatusCode !== 429) {
    return new PermanentTaskError(`SES refused the request: ${describe(error)}`, cause);
  }
  // 5xx, network errors, timeouts.
  return new RetryableTaskError(`Sending through SES failed: ${describe(error)}`, cause);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** EmailSender on SESv2 SendEmail (simple content). */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly ses: SESv2Client,
    private readonly defaultFrom: string | undefined,
  ) {}

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const from = message.from ?? this.defaultFrom;
    if (!from) {
      throw new PermanentTaskError(
        'No sender address is configured: set TASKLANE_EMAIL_FROM (deploy: -c emailFrom=<verified SES identity>) or give "from".',
      );
    }
    const body = {
      ...(message.text === undefined ? {} : { Text: { Data: message.text, Charset: 'UTF-8' } }),
      ...(message.html === undefined ? {} : { Html: { Data: message.html, Charset: 'UTF-8' } }),
    };
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: message.to },
          ReplyToAddresses: message.replyTo,
          Content: { Simple: { Subject: { Data: message.subject, Charset: 'UTF-8' }, Body: body } },
        }),
      );
      return { messageId: out.MessageId ?? '' };
    } catch (error) {
      throw classifySesError(error);
    }
  }
}

/** The SESv2 client; the local stack points it at the emulator. Its own module, so only workers bundle it. */
export function createSesClient(config: Pick<RuntimeConfig, 'region' | 'endpoints'>): SESv2Client {
  if (!config.endpoints?.ses) return new SESv2Client({ region: config.region });
  return new SESv2Client({
    region: config.region,
    endpoint: config.endpoints.ses,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
