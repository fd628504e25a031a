import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm start` records its endpoints so the CLI can reach the running local stack. */
export const LOCAL_STATE_FILE = join(process.cwd(), '.tasklane-local.json');

export interface LocalState {
  apiUrl: string;
  dynamodb: string;
  sqs: string;
  tableName: string;
  pid: number;
}

export function writeLocalState(state: LocalState): void {
  writeFileSync(LOCAL_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

export function removeLocalState(): void {
  rmSync(LOCAL_STATE_FILE, { force: true });
}

export function readLocalState(): LocalState | undefined {
  try {
    return JSON.parse(readFileSync(LOCAL_STATE_FILE, 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
}
