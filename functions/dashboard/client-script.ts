import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The client's browser build (client/browser-bundle.ts) as the API Lambda serves it at GET /client.js:
 * a file the CDK stack writes beside the function's bundle (infra/constructs/api.ts), read on first use.
 */
export const CLIENT_SCRIPT_FILE = 'tasklane-client.js';

export function readBundledClientScript(): Promise<string> {
  return readFile(join(process.env.LAMBDA_TASK_ROOT ?? '.', CLIENT_SCRIPT_FILE), 'utf8');
}
