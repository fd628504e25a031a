import { fork, type ChildProcess } from 'node:child_process';
import { projectPath } from '../infra/paths';
import type { BenchStackOptions, StackMethods } from './stack-process';

/** What the stack's process reports once it is up. */
export interface Ready {
  apiUrl: string;
  apiKey: string;
  endpoints: { dynamodb: string; sqs: string };
  tableName: string;
}

/** The stack's process and a typed call into it. */
export class StackProcess {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly info: Ready,
  ) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) call?.reject(new Error(message.error));
      else call?.resolve(message.result);
    });
  }

  static start(options: BenchStackOptions = {}): Promise<StackProcess> {
    const child = fork(projectPath('bench/stack-process.ts'), [JSON.stringify(options)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the stack process exited (${code}) before it was ready`)));
      child.once('message', (message: { ready: Ready }) => resolve(new StackProcess(child, message.ready)));
    });
  }

  call<M extends keyof StackMethods>(
    method: M,
    ...args: Parameters<StackMethods[M]>
  ): Promise<Awaited<ReturnType<StackMethods[M]>>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, method, args });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.call('stop');
    await exited;
  }
}
