import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authenticate,
  extractApiKey,
  generateApiKey,
  hashApiKey,
  keyIdOf,
  type ApiKeyRecord,
  type ApiKeyStore,
} from '../../functions/core/api-keys';

/** An ApiKeyStore holding records by hash; counts lookups so a short-circuit can be asserted. */
function fakeKeyStore(records: ApiKeyRecord[]) {
  const lookups: string[] = [];
  const store: Pick<ApiKeyStore, 'findByHash'> = {
    async findByHash(hash) {
      lookups.push(hash);
      return records.find((r) => r.hash === hash);
    },
  };
  return { store: store as ApiKeyStore, lookups };
}

function record(secret: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    key_id: keyIdOf(secret) ?? 'unknown0',
    tenant: 'acme',
    hash: hashApiKey(secret),
    created_at: '2025-03-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Headers as Hono's `c.req.header(name)` exposes them: case-insensitive lookup. */
function headers(values: Record<string, string>) {
  const lower = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return (name: string) => lower[name.toLowerCase()];
}

describe('generateApiKey', () => {
  it('returns keys shaped tl_<8-char id>_<43-char secret> whose id keyIdOf recovers', () => {
    // Act
    const keys = Array.from({ length: 200 }, () => generateApiKey());

    // Assess
    for (const { keyId, secret } of keys) {
      expect(keyId).toMatch(/^[a-z0-9]{8}$/);
      expect(secret).toMatch(/^tl_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      expect(keyIdOf(secret)).toBe(keyId);
    }
  });

  it('returns a different key every time', () => {
    // Act
    const secrets = new Set(Array.from({ length: 100 }, () => generateApiKey().secret));

    // Assess
    expect(secrets.size).toBe(100);
  });
});

describe('keyIdOf', () => {
  const secret = `tl_ab12cd34_${'A'.repeat(43)}`;

  it('extracts the id of a well-formed key', () => {
    // Act & Assess
    expect(keyIdOf(secret)).toBe('ab12cd34');
  });

  it.each([
    { case: 'a wrong prefix', value: secret.replace('tl_', 'sk_') },
    { case: 'an upper-case id', value: `tl_AB12CD34_${'A'.repeat(43)}` },
    { case: 'a short secret', value: `tl_ab12cd34_${'A'.repeat(42)}` },
    { case: 'a long secret', value: `tl_ab12cd34_${'A'.repeat(44)}` },
    { case: 'trailing text', value: `${secret} ` },
    { case: 'an empty string', value: '' },
  ])('returns undefined for $case', ({ value }) => {
    // Act & Assess
    expect(keyIdOf(value)).toBeUndefined();
  });
});

describe('hashApiKey', () => {
  it('is the hex SHA-256 of the UTF-8 secret', () => {
    // Act & Assess
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashApiKey('clé')).toBe(createHash('sha256').update(Buffer.from('clé', 'utf8')).digest('hex'));
  });
});

describe('extractApiKey', () => {
  const key = `tl_ab12cd34_${'A'.repeat(43)}`;

  it.each<{ case: string; values: Record<string, string>; expected: string | undefined }>([
    { case: 'Bearer', values: { Authorization: `Bearer ${key}` }, expected: key },
    { case: 'a lower-case scheme', values: { Authorization: `bearer ${key}` }, expected: key },
    { case: 'an upper-case scheme', values: { authorization: `BEARER ${key}` }, expected: key },
    { case: 'extra spaces', values: { Authorization: `Bearer    ${key}  ` }, expected: key },
    { case: 'x-api-key', values: { 'X-Api-Key': key }, expected: key },
    { case: 'x-api-key with spaces around', values: { 'x-api-key': `  ${key} ` }, expected: key },
    { case: 'no header', values: {}, expected: undefined },
    { case: 'an empty x-api-key', values: { 'x-api-key': '   ' }, expected: undefined },
    { case: 'Basic credentials', values: { Authorization: 'Basic dXNlcjpwYXNz' }, expected: undefined },
    {
      case: 'Basic credentials next to an x-api-key',
      values: { Authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': key },
      expected: undefined,
    },
    { case: 'Bearer without a token', values: { Authorization: 'Bearer ' }, expected: undefined },
    { case: 'Bearer with two tokens', values: { Authorization: `Bearer ${key} extra` }, expected: undefined },
  ])('reads $case → $expected', ({ values, expected }) => {
    // Act & Assess
    expect(extractApiKey(headers(values))).toBe(expected);
  });
});

describe('authenticate', () => {
  const valid = `tl_ab12cd34_${'A'.repeat(43)}`;
  const revoked = `tl_ef56gh78_${'B'.repeat(43)}`;
  const records = [
    record(valid, { tenant: 'acme' }),
    record(revoked, { tenant: 'globex', revoked_at: '2025-03-02T00:00:00.000Z' }),
  ];

  it('resolves a valid key to its tenant by looking up its hash', async () => {
    // Prepare
    const { store, lookups } = fakeKeyStore(records);

    // Act
    const tenant = await authenticate(store, valid);

    // Assess
    expect(tenant).toBe('acme');
    expect(lookups).toEqual([hashApiKey(valid)]);
  });

  it.each([
    { case: 'an unknown key', secret: `tl_zz99zz99_${'C'.repeat(43)}` },
    { case: 'a revoked key', secret: revoked },
    { case: 'the hash of a key instead of the key', secret: hashApiKey(valid) },
  ])('rejects $case', async ({ secret }) => {
    // Prepare
    const { store } = fakeKeyStore(records);

    // Act & Assess
    await expect(authenticate(store, secret)).resolves.toBeUndefined();
  });

  it.each([
    { case: 'no key', secret: undefined },
    { case: 'an empty key', secret: '' },
    { case: 'a key over 256 characters', secret: 'x'.repeat(257) },
  ])('rejects $case without a lookup', async ({ secret }) => {
    // Prepare
    const { store, lookups } = fakeKeyStore([record('x'.repeat(257))]);

    // Act
    const tenant = await authenticate(store, secret);

    // Assess
    expect(tenant).toBeUndefined();
    expect(lookups).toEqual([]);
  });

  it('accepts a stored key of exactly 256 characters', async () => {
    // Prepare
    const secret = 'y'.repeat(256);
    const { store } = fakeKeyStore([record(secret, { tenant: 'initech' })]);

    // Act & Assess
    await expect(authenticate(store, secret)).resolves.toBe('initech');
  });
});
