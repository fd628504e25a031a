import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generateWebhookSecret, type WebhookSecrets } from '../webhooks/signer';
import type { WebhookSecretStore } from '../webhooks/secret-store';
import { TABLE_KEY, webhookSecretKey } from './table-schema';

interface SecretItem {
  current: string;
  previous?: string;
  /** ISO time until which `previous` still signs. */
  previous_until?: string;
  version: number;
}

/** Webhook secrets in the tasks table (`WHSECRET#<tenant>`); every change is a conditional write. */
export class DynamoWebhookSecretStore implements WebhookSecretStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenant: string, now: Date): Promise<WebhookSecrets> {
    const item = (await this.read(tenant)) ?? (await this.create(tenant));
    return toSecrets(item, now);
  }

  async rotate(tenant: string, now: Date, graceHours: number): Promise<WebhookSecrets> {
    for (let round = 0; round < 5; round++) {
      const item = (await this.read(tenant)) ?? (await this.create(tenant));
      const next: SecretItem = {
        current: generateWebhookSecret(),
        previous: item.current,
        previous_until: new Date(now.getTime() + graceHours * 3600_000).toISOString(),
        version: item.version + 1,
      };
      if (await this.write(tenant, next, item.version)) return toSecrets(next, now);
    }
    throw new Error(`The webhook secret of "${tenant}" kept changing during rotation; try again.`);
  }

  private async read(tenant: string): Promise<SecretItem | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [TABLE_KEY]: webhookSecretKey(tenant) },
        ConsistentRead: true,
      }),
    );
    return Item as SecretItem | undefined;
  }

  private async create(tenant: string): Promise<SecretItem> {
    const item: SecretItem = { current: generateWebhookSecret(), version: 1 };
    if (await this.write(tenant, item, undefined)) return item;
    // Someone else created it first: theirs is the secret.
    return (await this.read(tenant))!;
  }

  private async write(tenant: string, item: SecretItem, expectedVersion: number | undefined): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [TABLE_KEY]: webhookSecretKey(tenant), tenant, ...item },
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(#pk)' : 'version = :v',
          ...(expectedVersion === undefined
            ? { ExpressionAttributeNames: { '#pk': TABLE_KEY } }
            : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toSecrets(item: SecretItem, now: Date): WebhookSecrets {
  const previousValid = item.previous && item.previous_until && Date.parse(item.previous_until) > now.getTime();
  return previousValid ? { current: item.current, previous: item.previous } : { current: item.current };
}
