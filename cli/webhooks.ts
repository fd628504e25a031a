import type { Tasklane } from '../client/src';
import { createAwsClients } from '../functions/adapters/aws-clients';
import { DynamoTaskStore } from '../functions/adapters/dynamo-task-store';
import { DEFAULTS } from '../functions/config';
import { redriveWebhooks } from '../functions/webhooks/redrive';
import { CliError } from './errors';
import { requireLocalState } from './local-state';

export interface RedriveTarget {
  local: boolean;
  table?: string;
  region?: string;
  queueUrl?: string;
  dlqUrl?: string;
}

/** Moves the webhook DLQ's deliveries back onto the webhook queue (operator command, AWS credentials). */
export async function redrive(target: RedriveTarget, json: boolean): Promise<string> {
  let deps: Parameters<typeof redriveWebhooks>[0];
  if (target.local) {
    const state = requireLocalState();
    if (!state.webhookQueueUrl || !state.webhookDlqUrl) {
      throw new CliError('The running local stack recorded no webhook queue; restart it with "npm start".');
    }
    const clients = createAwsClients({ region: 'us-east-1', endpoints: { dynamodb: state.dynamodb, sqs: state.sqs } });
    deps = {
      sqs: clients.sqs,
      store: new DynamoTaskStore(clients.dynamo, state.tableName, DEFAULTS.finishedTaskTtlDays),
      queueUrl: state.webhookQueueUrl,
      dlqUrl: state.webhookDlqUrl,
    };
  } else {
    const region = target.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!target.table || !target.queueUrl || !target.dlqUrl || !region) {
      throw new CliError(
        'webhooks redrive needs --table, --queue-url and --dlq-url (the stack outputs TableName, WebhooksQueueUrl, WebhooksDlqUrl) and --region, or --local.',
      );
    }
    const clients = createAwsClients({ region });
    deps = {
      sqs: clients.sqs,
      store: new DynamoTaskStore(clients.dynamo, target.table, DEFAULTS.finishedTaskTtlDays),
      queueUrl: target.queueUrl,
      dlqUrl: target.dlqUrl,
    };
  }
  const report = await redriveWebhooks(deps);
  return json
    ? JSON.stringify(report)
    : `Moved ${report.moved} webhook deliveries back to the queue${report.skipped ? `; ${report.skipped} left in the DLQ (task gone or not a webhook message)` : ''}.`;
}

/** The caller's signing secret (over the API), optionally rotated. */
export async function secret(client: Tasklane, rotate: boolean, json: boolean): Promise<string> {
  const body: { secret: string; previous_secret?: string; previous_valid_hours?: number } = rotate
    ? await client.webhooks.rotateSecret()
    : await client.webhooks.secret();
  if (json) return JSON.stringify(body);
  const lines = [`Webhook signing secret: ${body.secret}`];
  if (body.previous_secret)
    lines.push(
      `Previous secret (still signing${body.previous_valid_hours ? ` for ${body.previous_valid_hours} h` : ''}): ${body.previous_secret}`,
    );
  return lines.join('\n');
}
