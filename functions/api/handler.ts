/** Lambda entry of the API: HTTP API proxy events (payload format 2.0) into the one Hono app. */
import { handle } from 'hono/aws-lambda';
import { readBundledClientScript } from '../dashboard/client-script';
import html from '../dashboard/index.html';
import { ENV } from '../config';
import { buildApiFromEnv } from './build';

// No preset key: a deployed dashboard asks its user for one.
export const handler = handle(
  buildApiFromEnv(process.env, {
    html,
    clientScript: readBundledClientScript,
    // StreamUrl: in AWS the page opens its streams there.
    streamUrl: process.env[ENV.streamUrl] || undefined,
  }),
);
