import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/errors';
import { parseIdempotencyKey } from '../../functions/api/validation';
import { idempotentTaskId, importedTaskId, newSortableId, requestFingerprint } from '../../functions/core/ids';

/** RFC 9562: version nibble 8 (custom), variant bits 10xx (8, 9, a or b). */
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Crockford base32 without I, L, O, U; a 48-bit time prefix keeps the first character at most 7. */
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

describe('idempotentTaskId', () => {
  it('returns the same id for the same tenant and key', () => {
    // Act
    const first = idempotentTaskId('acme', 'order-4711');
    const second = idempotentTaskId('acme', 'order-4711');

    // Assess
    expect(second).toBe(first);
  });

  it.each([
    { a: ['acme', 'order-4711'], b: ['globex', 'order-4711'], case: 'tenants differ' },
    { a: ['acme', 'order-4711'], b: ['acme', 'order-4712'], case: 'keys differ' },
    { a: ['ab', 'c'], b: ['a', 'bc'], case: 'the tenant/key boundary moves' },
  ])('returns different ids when $case', ({ a, b }) => {
    // Act
    const first = idempotentTaskId(a[0]!, a[1]!);
    const second = idempotentTaskId(b[0]!, b[1]!);

    // Assess
    expect(second).not.toBe(first);
  });

  it.each(['k', 'order-4711', 'a'.repeat(255), '{"json":true}', '~!@#$%^&*()'])(
    'is a valid RFC 9562 v8 UUID for key %s',
    (key) => {
      // Act
      const id = idempotentTaskId('acme', key);

      // Assess
      expect(id).toMatch(UUID_V8);
    },
  );

  it('sets the version and variant for every hash nibble, not only the lucky ones', () => {
    // Act
    const ids = Array.from({ length: 256 }, (_, i) => idempotentTaskId('acme', `key-${i}`));

    // Assess
    for (const id of ids) expect(id).toMatch(UUID_V8);
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
  });
});

describe('importedTaskId', () => {
  it('is the same for the same import and line on every attempt, and differs by line, import and tenant', () => {
    // Act
    const id = importedTaskId('acme', 'import-1', 7);
    const ids = [
      importedTaskId('acme', 'import-1', 8),
      importedTaskId('acme', 'import-2', 7),
      importedTaskId('globex', 'import-1', 7),
    ];

    // Assess
    expect(importedTaskId('acme', 'import-1', 7)).toBe(id);
    expect(id).toMatch(UUID_V8);
    expect(new Set([id, ...ids]).size).toBe(4);
  });

  it('cannot be reached through an Idempotency-Key: the name it hashes holds characters the API refuses in a key', () => {
    // Prepare
    const collidingKey = '\u0001import\u0000import-1\u00007';

    // Act
    const refused = () => parseIdempotencyKey(collidingKey);

    // Assess
    expect(idempotentTaskId('acme', collidingKey)).toBe(importedTaskId('acme', 'import-1', 7));
    expect(refused).toThrow(ValidationError);
  });
});

describe('requestFingerprint', () => {
  const request = { type: 'generic', payload: { steps: 3, step_ms: 10 }, webhook_url: 'https://example.com/hook' };

  it('ignores the order of keys at every level', () => {
    // Prepare
    const reordered = { webhook_url: 'https://example.com/hook', payload: { step_ms: 10, steps: 3 }, type: 'generic' };

    // Act & Assess
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(request));
  });

  it('ignores fields that are undefined', () => {
    // Act & Assess
    expect(requestFingerprint({ type: 'generic', payload: {}, webhook_url: undefined })).toBe(
      requestFingerprint({ type: 'generic', payload: {} }),
    );
  });

  it.each([
    { case: 'a payload value', changed: { ...request, payload: { steps: 4, step_ms: 10 } } },
    { case: 'a payload value type', changed: { ...request, payload: { steps: '3', step_ms: 10 } } },
    { case: 'the type', changed: { ...request, type: 'email' } },
    { case: 'the webhook', changed: { ...request, webhook_url: 'https://example.com/other' } },
    { case: 'an added field', changed: { ...request, payload: { steps: 3, step_ms: 10, fail_attempts: 0 } } },
    {
      case: 'array order',
      changed: { ...request, payload: { steps: [1, 2] } },
      base: { ...request, payload: { steps: [2, 1] } },
    },
    { case: 'null vs absent', changed: { ...request, payload: null } },
  ])('changes when $case changes', ({ changed, base }) => {
    // Act & Assess
    expect(requestFingerprint(changed)).not.toBe(requestFingerprint(base ?? request));
  });

  it('is URL-safe base64 of a SHA-256 (43 characters)', () => {
    // Act & Assess
    expect(requestFingerprint(request)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('newSortableId', () => {
  it('returns a 26-character ULID', () => {
    // Act & Assess
    expect(newSortableId()).toMatch(ULID);
  });

  it('increases strictly, even for ids made within the same millisecond', () => {
    // Act
    const ids = Array.from({ length: 1_000 }, () => newSortableId());

    // Assess
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('starts with the current time', () => {
    // Prepare
    const before = Date.now();

    // Act
    const id = newSortableId();

    // Assess
    const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const millis = [...id.slice(0, 10)].reduce((acc, ch) => acc * 32 + CROCKFORD.indexOf(ch), 0);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(Date.now());
  });
});
