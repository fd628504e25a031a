import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../functions/auth/build-authorizer';
import { hashApiKey, type ApiKeyRecord, type ApiKeyStore } from '../../functions/core/api-keys';

const KEY = 'tl_abcdefgh_0123456789012345678901234567890123456789012';
const REVOKED = 'tl_revoked1_0123456789012345678901234567890123456789012';

function store(): ApiKeyStore {
  const records: ApiKeyRecord[] = [
    { key_id: 'abcdefgh', tenant: 'acme', hash: hashApiKey(KEY), created_at: '2026-01-01T00:00:00.000Z' },
    {
      key_id: 'revoked1',
      tenant: 'acme',
      hash: hashApiKey(REVOKED),
      created_at: '2026-01-01T00:00:00.000Z',
      revoked_at: '2026-02-01T00:00:00.000Z',
    },
  ];
  return {
    put: async () => undefined,
    findByHash: async (hash) => records.find((r) => r.hash === hash),
    list: async () => records,
    revoke: async () => undefined,
  };
}

function event(headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/tasks/01J0000000000000000000000',
    resource: '/tasks/{id}',
    path: '/tasks/01J0000000000000000000000',
    httpMethod: 'GET',
    headers,
    multiValueHeaders: {},
    pathParameters: { id: '01J0000000000000000000000' },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

describe('createAuthorizer', () => {
  it.each([
    ['Authorization: Bearer', { Authorization: `Bearer ${KEY}` }],
    ['lower-case authorization', { authorization: `bearer ${KEY}` }],
    ['x-api-key', { 'X-Api-Key': KEY }],
  ])('allows the whole stage for a valid key in %s and passes the tenant on', async (_, headers) => {
    // Act
    const result = await createAuthorizer(store())(event(headers));

    // Assess
    expect(result.principalId).toBe('acme');
    expect(result.context).toEqual({ tenant: 'acme' });
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*',
      },
    ]);
  });

  it.each([
    ['no key', {}],
    ['an unknown key', { Authorization: 'Bearer tl_unknown0_0123456789012345678901234567890123456789012' }],
    ['a revoked key', { Authorization: `Bearer ${REVOKED}` }],
    ['another scheme', { Authorization: `Basic ${KEY}` }],
  ])('rejects %s with "Unauthorized" (API Gateway answers 401)', async (_, headers: Record<string, string>) => {
    await expect(createAuthorizer(store())(event(headers))).rejects.toThrow(/^Unauthorized$/);
  });
});
