import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LOCAL_STATE_FILENAME,
  readLocalState,
  removeLocalState,
  requireLocalState,
  writeLocalState,
  type LocalState,
} from '../../cli/local-state';

const state = (pid: number): LocalState => ({
  apiUrl: `http://127.0.0.1:${3000 + (pid % 1000)}`,
  apiKey: 'tl_x_y',
  dynamodb: 'd',
  sqs: 's',
  tableName: 't',
  pid,
});

/** The pid of a process that has exited (its number is free again). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the local state file (.tasklane-local.json)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tasklane-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('points --local at the running stack', () => {
    // Act
    const written = writeLocalState(state(process.pid), dir);

    // Assess
    expect(written).toBe(true);
    expect(requireLocalState(dir).apiUrl).toBe(state(process.pid).apiUrl);
  });

  it('says the stack is gone when the file was left by a killed stack, instead of pointing at a dead port', () => {
    // Prepare
    const pid = deadPid();
    writeLocalState(state(pid), dir);

    // Act
    const read = () => requireLocalState(dir);

    // Assess
    expect(read).toThrow(`(pid ${pid}) is no longer running`);
  });

  it('says none is running when there is no file', () => {
    // Assess
    expect(() => requireLocalState(dir)).toThrow('No running local stack found');
  });

  it('keeps pointing at the first stack when a second one starts in the same folder, and the second leaves the file alone when it stops', () => {
    // Prepare: the first stack is this (live) process; the second, another live one (our parent, say).
    writeLocalState(state(process.pid), dir);
    const second = state(process.ppid);

    // Act
    const written = writeLocalState(second, dir);
    removeLocalState(second.pid, dir);

    // Assess
    expect(written).toBe(false);
    expect(readLocalState(dir)?.pid).toBe(process.pid);
  });

  it('replaces a file left by a stack that is gone', () => {
    // Prepare
    writeLocalState(state(deadPid()), dir);

    // Act
    const written = writeLocalState(state(process.pid), dir);
    removeLocalState(process.pid, dir);

    // Assess
    expect(written).toBe(true);
    expect(existsSync(join(dir, LOCAL_STATE_FILENAME))).toBe(false);
  });
});
