import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/run';
import type { LocalStack } from '../../local/stack';

/** Starts one command line in-process, as `npx tasklane …` would in `cwd`; `out()` is what it printed so far. */
export function startTasklane(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const io = { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t) }, env, cwd };
  const done = runCli(args, io).then((code) => ({ code, out, err }));
  return { done, out: () => out };
}

/** Runs one command line in-process to its end. */
export const tasklane = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => startTasklane(args, cwd, env).done;

/** A new folder holding the stack's `.tasklane-local.json`, as `npm start` writes it: `--local` there finds the stack. */
export function folderWithStackState(stack: LocalStack, prefix: string): string {
  const cwd = mkdtempSync(join(tmpdir(), prefix));
  const state = {
    apiUrl: stack.apiUrl,
    apiKey: stack.apiKey,
    dynamodb: stack.endpoints.dynamodb,
    sqs: stack.endpoints.sqs,
    tableName: stack.config.tableName,
    pid: process.pid,
  };
  writeFileSync(join(cwd, '.tasklane-local.json'), JSON.stringify(state));
  return cwd;
}
