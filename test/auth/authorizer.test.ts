import type { APIGatewayRequestAuthorizerEvent, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
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

/** The HTTP API's Lambda authorizer event, payload format 2.0 (simple responses), with lower-case headers. */
function eventV2(headers: Record<string, string>): APIGatewayRequestAuthorizerEventV2 {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/$default/GET/tasks/01J0000000000000000000000',
    identitySource: lower.authorization ? [lower.authorization] : [],
    routeKey: 'GET /tasks/{id}',
    rawPath: '/tasks/01J0000000000000000000000',
    rawQueryString: '',
    cookies: [],
    headers: lower,
    pathParameters: { id: '01J0000000000000000000000' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      http: {
        method: 'GET',
        path: '/tasks/01J0000000000000000000000',
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'req-1',
      routeKey: 'GET /tasks/{id}',
      stage: '$default',
      time: '04/Mar/2025:05:06:07 +0000',
      timeEpoch: 1_741_064_767_000,
    },
  };
}

describe('createAuthorizer, HTTP API event (simple response)', () => {
  it.each([
    ['Authorization: Bearer', { Authorization: `Bearer ${KEY}` }],
    ['x-api-key', { 'X-Api-Key': KEY }],
  ])('authorizes a valid key in %s and passes the tenant on', async (_, headers) => {
    // Act
    const result = await createAuthorizer(store())(eventV2(headers));

    // Assess
    expect(result).toEqual({ isAuthorized: true, context: { tenant: 'acme' } });
  });

  it.each([
    ['no key', {}],
    ['an unknown key', { Authorization: 'Bearer tl_unknown0_0123456789012345678901234567890123456789012' }],
    ['a revoked key', { Authorization: `Bearer ${REVOKED}` }],
    ['another scheme', { Authorization: `Basic ${KEY}` }],
  ])('denies %s (API Gateway answers 403) without a tenant', async (_, headers: Record<string, string>) => {
    // Act
    const result = await createAuthorizer(store())(eventV2(headers));

    // Assess
    expect(result).toEqual({ isAuthorized: false });
  });
});

describe('createAuthorizer, REST API request-authorizer event (the stream)', () => {
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
