import {
  BadRequestException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SendEmailCommand,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesEmailSender } from '../../functions/adapters/ses-email-sender';
import { PermanentTaskError, RetryableTaskError } from '../../functions/core/errors';

const ses = mockClient(SESv2Client);
const meta = { $metadata: {} };
const message = { to: ['a@example.com'], subject: 'Hi', text: 'x' };

beforeEach(() => ses.reset());

describe('SesEmailSender', () => {
  it('sends simple content from the configured sender and returns the message id', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const sender = new SesEmailSender(new SESv2Client({ region: 'us-east-1' }), 'noreply@example.com');

    // Act
    const out = await sender.send({ ...message, html: '<p>x</p>', replyTo: ['r@example.com'] });

    // Assess
    expect(out).toEqual({ messageId: 'm-1' });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'noreply@example.com',
      Destination: { ToAddresses: ['a@example.com'] },
      ReplyToAddresses: ['r@example.com'],
      Content: {
        Simple: {
          Subject: { Data: 'Hi', Charset: 'UTF-8' },
          Body: { Text: { Data: 'x', Charset: 'UTF-8' }, Html: { Data: '<p>x</p>', Charset: 'UTF-8' } },
        },
      },
    });
  });

  it.each([
    [
      'MessageRejected',
      new MessageRejected({ message: 'Email address is not verified.', ...meta }),
      PermanentTaskError,
    ],
    [
      'MailFromDomainNotVerifiedException',
      new MailFromDomainNotVerifiedException({ message: 'not verified', ...meta }),
      PermanentTaskError,
    ],
    [
      'BadRequestException (invalid address)',
      new BadRequestException({ message: 'Missing final @domain', ...meta }),
      PermanentTaskError,
    ],
    [
      'another 4xx (AccessDenied)',
      new SESv2ServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'denied',
        $metadata: { httpStatusCode: 403 },
      }),
      PermanentTaskError,
    ],
    ['TooManyRequestsException', new TooManyRequestsException({ message: 'slow down', ...meta }), RetryableTaskError],
    ['LimitExceededException', new LimitExceededException({ message: 'quota', ...meta }), RetryableTaskError],
    [
      'InternalServiceErrorException (5xx)',
      new InternalServiceErrorException({ message: 'oops', ...meta }),
      RetryableTaskError,
    ],
    ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), RetryableTaskError],
  ])('classifies %s', async (_case, error, expected) => {
    // Prepare
    ses.on(SendEmailCommand).rejects(error);
    const sender = new SesEmailSender(new SESv2Client({ region: 'us-east-1', maxAttempts: 1 }), 'noreply@example.com');

    // Act
    const thrown = await sender.send(message).catch((e: unknown) => e);

    // Assess
    expect(thrown).toBeInstanceOf(expected);
    expect((thrown as Error).cause).toBe(error);
  });

  it('fails permanently, without calling SES, when no sender is configured or given', async () => {
    // Prepare
    const sender = new SesEmailSender(new SESv2Client({ region: 'us-east-1' }), undefined);

    // Act
    const thrown = await sender.send(message).catch((e: unknown) => e);

    // Assess
    expect(thrown).toBeInstanceOf(PermanentTaskError);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
