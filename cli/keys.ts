import { DynamoApiKeyStore } from '../functions/adapters/dynamo-api-key-store';
import { createAwsClients } from '../functions/adapters/aws-clients';
import { issueApiKey, type ApiKeyRecord } from '../functions/core/api-keys';
import { CliError } from './errors';
import { requireLocalState } from './local-state';

export interface KeysTarget {
  local: boolean;
  table?: string;
  region?: string;
}

/** The key store of the running local stack (`--local`) or of a deployed table (`--table`, AWS credentials). */
export function keyStoreFor(target: KeysTarget): DynamoApiKeyStore {
  if (target.local) {
    const state = requireLocalState();
    const clients = createAwsClients({ region: 'us-east-1', endpoints: { dynamodb: state.dynamodb, sqs: state.sqs } });
    return new DynamoApiKeyStore(clients.dynamo, state.tableName);
  }
  const table = target.table ?? process.env.TASKLANE_TABLE;
  if (!table) {
    throw new CliError(
      'Name the table: --table <TableName output of the stack> (or TASKLANE_TABLE), or --local for the local stack.',
    );
  }
  const region = target.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError('Set the region: --region <region> (or AWS_REGION).');
  return new DynamoApiKeyStore(createAwsClients({ region }).dynamo, table);
}

export function formatKey(record: ApiKeyRecord): string {
  const state = record.revoked_at ? `revoked ${record.revoked_at}` : 'active';
  return `${record.key_id}  tl_${record.key_id}_…  tenant=${record.tenant}  created ${record.created_at}  ${state}${record.description ? `  "${record.description}"` : ''}`;
}

export async function createKey(
  target: KeysTarget,
  tenant: string | undefined,
  description: string | undefined,
  json: boolean,
): Promise<string> {
  if (!tenant) throw new CliError('keys create needs --tenant <name>.');
  const { record, secret } = await issueApiKey(keyStoreFor(target), tenant, { description }).catch((error: Error) => {
    throw new CliError(error.message);
  });
  if (json)
    return JSON.stringify({ key: secret, key_id: record.key_id, tenant: record.tenant, created_at: record.created_at });
  return `Created key ${record.key_id} for tenant "${record.tenant}". It is shown once; store it now:\n\n  ${secret}\n`;
}

export async function listKeys(target: KeysTarget, tenant: string | undefined, json: boolean): Promise<string> {
  const records = await keyStoreFor(target).list(tenant);
  // Hashes stay in the table; listings show the id (the key's visible prefix) only.
  if (json) return JSON.stringify(records.map(({ hash: _hash, ...rest }) => rest));
  return records.length ? records.map(formatKey).join('\n') : 'No keys.';
}

export async function revokeKey(target: KeysTarget, keyId: string | undefined, json: boolean): Promise<string> {
  if (!keyId)
    throw new CliError('keys revoke needs the key id, e.g. "tasklane keys revoke ab12cd34" (see "keys list").');
  const record = await keyStoreFor(target).revoke(keyId, new Date().toISOString());
  if (!record) throw new CliError(`No key with id "${keyId}".`);
  if (json) return JSON.stringify({ key_id: record.key_id, tenant: record.tenant, revoked_at: record.revoked_at });
  return `Revoked key ${record.key_id} (tenant "${record.tenant}") at ${record.revoked_at}.`;
}
