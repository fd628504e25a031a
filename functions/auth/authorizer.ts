/** Lambda entry of the REST API's REQUEST authorizer: resolves an API key to its tenant. */
import { buildAuthorizerFromEnv } from './build-authorizer';

export const handler = buildAuthorizerFromEnv();
