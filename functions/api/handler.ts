/** Lambda entry of the API: API Gateway REST proxy events into the one Hono app. */
import { handle } from 'hono/aws-lambda';
import { buildApiFromEnv } from './build';

export const handler = handle(buildApiFromEnv());
