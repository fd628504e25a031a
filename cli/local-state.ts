import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './errors';

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

/**
 * Records this process's stack, unless another live stack already did (two `npm start` in one
 * folder): `--local` keeps pointing at the first. Returns whether the file is now this process's.
 */
export function writeLocalState(state: LocalState, dir = process.cwd()): boolean {
  const existing = readLocalState(dir);
  if (existing && existing.pid !== state.pid && isProcessAlive(existing.pid)) return false;
  writeFileSync(join(dir, LOCAL_STATE_FILENAME), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return true;
}

/** Removes the state file if this process wrote it. */
export function removeLocalState(pid = process.pid, dir = process.cwd()): void {
  if (readLocalState(dir)?.pid === pid) rmSync(join(dir, LOCAL_STATE_FILENAME), { force: true });
}

/** The state file in `dir` (default: the current folder) as written, whether or not its stack still runs. */
export function readLocalState(dir = process.cwd()): LocalState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, LOCAL_STATE_FILENAME), 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
}

/** The running local stack for `--local`; a missing file, or one left by a stack that is gone, is an error that says so. */
export function requireLocalState(dir = process.cwd()): LocalState {
  const state = readLocalState(dir);
  if (!state) {
    throw new CliError(
      `No running local stack found (${join(dir, LOCAL_STATE_FILENAME)} is missing). Start one with "npm start" in this folder.`,
    );
  }
  if (!isProcessAlive(state.pid)) {
    throw new CliError(
      `The local stack that wrote ${join(dir, LOCAL_STATE_FILENAME)} (pid ${state.pid}) is no longer running; it was stopped without ` +
        'cleaning up. Start one with "npm start" in this folder (it replaces the file).',
    );
  }
  return state;
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
