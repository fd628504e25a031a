import { createHash, randomBytes } from 'node:crypto';

/** An API key as stored: only the SHA-256 of the secret is kept. */
export interface ApiKeyRecord {
  /** Public id, also the key's visible prefix (`tl_<key_id>_…`). */
  key_id: string;
  tenant: string;
  hash: string;
  created_at: string;
  revoked_at?: string;
  description?: string;
}

/** Tenant names: lower-case letters, digits and dashes, so they are safe inside index keys and logs. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A fresh key: `tl_<8-char id>_<43-char secret>` (256 bits of randomness). */
export function generateApiKey(): { keyId: string; secret: string } {
  const keyId = randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
  return { keyId, secret: `tl_${keyId}_${randomBytes(32).toString('base64url')}` };
}

/** The key id embedded in a key, or undefined if the string is not shaped like one of ours. */
export function keyIdOf(secret: string): string | undefined {
  return /^tl_([a-z0-9]{8})_[A-Za-z0-9_-]{43}$/.exec(secret)?.[1];
}

/** Reads the key from `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function extractApiKey(headers: (name: string) => string | undefined): string | undefined {
  const authorization = headers('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return headers('x-api-key')?.trim() || undefined;
}

export interface ApiKeyStore {
  put(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  list(tenant?: string): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; returns it, or undefined if no key has that id. */
  revoke(keyId: string, now: string): Promise<ApiKeyRecord | undefined>;
}

/** Resolves a presented key to its tenant; undefined for a missing, unknown or revoked key. */
export async function authenticate(store: ApiKeyStore, secret: string | undefined): Promise<string | undefined> {
  if (!secret || secret.length > 256) return undefined;
  const record = await store.findByHash(hashApiKey(secret));
  if (!record || record.revoked_at) return undefined;
  return record.tenant;
}

/** Creates and stores a key for a tenant; the secret is returned once and never stored. */
export async function issueApiKey(
  store: ApiKeyStore,
  tenant: string,
  options: { description?: string; secret?: string; now?: Date } = {},
): Promise<{ record: ApiKeyRecord; secret: string }> {
  if (!TENANT_PATTERN.test(tenant)) {
    throw new Error(
      `tenant must match ${TENANT_PATTERN} (lower-case letters, digits, dashes; at most 63 characters); got "${tenant}"`,
    );
  }
  const generated = generateApiKey();
  const secret = options.secret ?? generated.secret;
  const record: ApiKeyRecord = {
    // A preset secret in our format keeps its own id, so the id shown matches the key's prefix.
    key_id: keyIdOf(secret) ?? generated.keyId,
    tenant,
    hash: hashApiKey(secret),
    created_at: (options.now ?? new Date()).toISOString(),
    description: options.description,
  };
  await store.put(record);
  return { record, secret };
}
