/** Lambda entry of the authorizer of both APIs (HTTP API and the stream's REST API): resolves an API key to its tenant. */
import { buildAuthorizerFromEnv } from './build-authorizer';

export const handler = buildAuthorizerFromEnv();
