import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsTaskQueue } from '../../functions/adapters/sqs-task-queue';
import { QUEUE_URL } from '../helpers/factories';

const sqs = mockClient(SQSClient);
const messages = (count: number) => Array.from({ length: count }, (_, i) => ({ tenant: 'acme', task_id: `t${i}` }));
const sentIds = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.MessageBody!).task_id));

describe('SqsTaskQueue.sendMany', () => {
  const queue = new SqsTaskQueue(sqs as unknown as SQSClient, { generic: QUEUE_URL });
  beforeEach(() => sqs.reset());

  it('sends in batches of at most 10', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await queue.sendMany('generic', messages(23));

    // Assess
    expect(sentIds().map((batch) => batch.length)).toEqual([10, 10, 3]);
  });

  it('sends again only the entries SQS failed on its side', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });

    // Act
    await queue.sendMany('generic', messages(3));

    // Assess
    expect(sentIds()).toEqual([['t0', 't1', 't2'], ['t1']]);
  });

  it('throws, naming the code, when an entry is refused for the sender’s fault', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'InvalidParameterValue', Message: 'bad body', SenderFault: true }],
    });

    // Act
    const outcome = queue.sendMany('generic', messages(2));

    // Assess
    await expect(outcome).rejects.toThrow('SQS refused 1 of 2 messages for "generic": InvalidParameterValue bad body');
    expect(sentIds()).toHaveLength(1);
  });

  it('gives up after a few rounds of server-side failures', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });

    // Act
    const outcome = queue.sendMany('generic', messages(1));

    // Assess
    await expect(outcome).rejects.toThrow('InternalError');
    expect(sentIds()).toHaveLength(4);
  });
});
