/**
 * Lambda entry of GET /tasks/{id}/stream: API Gateway invokes it with response streaming
 * (ResponseTransferMode.STREAM), so events reach the client as they are written.
 */
import { streamHandle } from 'hono/aws-lambda';
import { buildStreamFromEnv } from './build';

export const handler = streamHandle(buildStreamFromEnv());
