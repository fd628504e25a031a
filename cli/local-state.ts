import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file `npm start` records its endpoints in, so the CLI can reach the running local stack. */
export const LOCAL_STATE_FILENAME = '.tasklane-local.json';

/** Where `npm start` in the current folder records its endpoints. */
export const LOCAL_STATE_FILE = join(process.cwd(), LOCAL_STATE_FILENAME);

export interface LocalState {
  apiUrl: string;
  /** The key of tenant `local`, for `tasklane … --local`. */
  apiKey: string;
  dynamodb: string;
  sqs: string;
  tableName: string;
  /** The webhook queue and its DLQ, for `tasklane webhooks redrive --local`. */
  webhookQueueUrl?: string;
  webhookDlqUrl?: string;
  pid: number;
}

export function writeLocalState(state: LocalState): void {
  writeFileSync(LOCAL_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function removeLocalState(): void {
  rmSync(LOCAL_STATE_FILE, { force: true });
}

/** The running local stack's endpoints, from the state file in `dir` (default: the current folder). */
export function readLocalState(dir = process.cwd()): LocalState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, LOCAL_STATE_FILENAME), 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
}
