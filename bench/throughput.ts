import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { generic } from '../functions/task-types/generic';
import { queueSettings } from '../functions/core/queue-settings';
import { Api, ZERO_WORK } from './local-api';
import type { MemoryReport } from './memory';
import type { CpuBreakdown } from './profile';
import { progress } from './progress';
import { rawEquivalent, rawLoops, type RawLoop } from './raw-sdk';
import type { BenchSettings } from './settings';
import { StackProcess } from './stack-client';
import { round, summarize, type Summary } from './stats';

/** How often a client of the end-to-end run asks whether its task completed. */
const POLL_MS = 20;

interface Task {
  task_id: string;
  status: string;
  created_at: string;
  ended_at?: string;
}

export interface EndToEnd {
  tasks: number;
  concurrency: number;
  seconds: number;
  tasksPerSecond: number;
  /** POST until the client's poll saw `completed` (polling every POLL_MS). */
  clientMs: Summary;
  /** created_at → ended_at on the task record. */
  recordMs: Summary;
  pollsPerTask: number;
}

/** `tasks` zero-work tasks, `concurrency` at a time: each client posts one, polls until it completed, then posts the next. */
async function endToEnd(api: Api, tasks: number, concurrency: number): Promise<EndToEnd> {
  const clientMs: number[] = [];
  const recordMs: number[] = [];
  let polls = 0;
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < tasks) {
        started++;
        const t = performance.now();
        const { task_id } = await api.request<Task>('POST', '/tasks', ZERO_WORK);
        let task: Task;
        do {
          await sleep(POLL_MS);
          polls++;
          task = await api.request<Task>('GET', `/tasks/${task_id}`);
          if (task.status === 'failed' || task.status === 'canceled')
            throw new Error(`task ${task_id} ended ${task.status}`);
        } while (task.status !== 'completed');
        clientMs.push(performance.now() - t);
        recordMs.push(Date.parse(task.ended_at!) - Date.parse(task.created_at));
        if (clientMs.length % 500 === 0) progress(`throughput: ${clientMs.length}/${tasks} tasks completed`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    tasks,
    concurrency,
    seconds: round(seconds, 2),
    tasksPerSecond: round(tasks / seconds, 1),
    clientMs: summarize(clientMs),
    recordMs: summarize(recordMs),
    pollsPerTask: round(polls / tasks, 2),
  };
}

export interface RouteLoad {
  route: string;
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

/** One route under autocannon's load. */
async function load(route: string, options: autocannon.Options): Promise<RouteLoad> {
  const result = await autocannon(options);
  return {
    route,
    connections: result.connections,
    seconds: result.duration,
    requestsPerSecond: round(result.requests.average, 1),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export interface EmulatorShare {
  /** AWS calls per zero-work task in the end-to-end run (client polls included). */
  callsPerTask: Record<string, number>;
  /** CPU of the stack's process per task, and the part the raw loops say the emulators spend on those calls. */
  stackCpuMsPerTask: number;
  emulatorCpuMsPerTask: number;
  share: number;
  /** Tasks/s the emulators alone would allow on one core. */
  emulatorBoundTasksPerSecond: number;
}

export interface EventsRun {
  events: number;
  concurrency: number;
  postRequestsPerSecond: number;
  postLatencyMs: RouteLoad['latencyMs'];
  /** From the first POST until no event of the tenant waits for a flush. */
  seconds: number;
  eventsPerSecond: number;
}

export interface ThroughputResult {
  endToEnd: EndToEnd;
  api: RouteLoad[];
  /** Tasks the POST load created, and how long the workers took to drain them after it. */
  backlog: { tasks: number; drainSeconds: number; tasksPerSecond: number };
  events: EventsRun;
  raw: RawLoop[];
  emulatorShare: EmulatorShare;
  profile: CpuBreakdown;
  memory: MemoryReport;
}

/** Per-task counts between two snapshots. */
function diff(after: Record<string, number>, before: Record<string, number>, per: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, round((v - (before[k] ?? 0)) / per, 2)] as const)
      .filter(([, v]) => v > 0),
  );
}

/** True when the queue holds no message, visible or in flight. */
async function queueEmpty(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible) === 0
  );
}

/** Throughput, latency, memory and the emulators' share, against the local stack in its own process. */
export async function measureThroughput(settings: BenchSettings): Promise<ThroughputResult> {
  const stack = await StackProcess.start();
  const api = new Api(stack.info);
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: stack.info.endpoints.sqs,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const url = (path: string) => `${stack.info.apiUrl}${path}`;
    const { QueueUrl: queueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: queueSettings(generic).queueName }),
    );

    progress(`throughput: ${settings.e2eTasks} zero-work tasks end to end, ${settings.e2eConcurrency} in flight`);
    await stack.call('phase', 'end-to-end');
    const cpu0 = await stack.call('cpu');
    const e2e = await endToEnd(api, settings.e2eTasks, settings.e2eConcurrency);
    const cpuPerTask = ((await stack.call('cpu')) - cpu0) / settings.e2eTasks;

    progress(`throughput: POST /tasks under load, ${settings.apiSeconds} s`);
    await stack.call('phase', 'api load');
    const created = await api.request<{ items: Task[] }>('GET', '/tasks?limit=1');
    const post = await load('POST /tasks', {
      url: url('/tasks'),
      method: 'POST',
      headers: api.headers(),
      body: JSON.stringify(ZERO_WORK),
      connections: settings.apiConnections,
      duration: settings.apiSeconds,
    });
    const drainStart = performance.now();
    while (!(await queueEmpty(sqs, queueUrl!))) await sleep(100);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const backlogTasks = Math.round(post.requestsPerSecond * post.seconds);

    progress(`throughput: GET /tasks/{id} under load, ${settings.apiSeconds} s`);
    const get = await load('GET /tasks/{id}', {
      url: url(`/tasks/${created.items[0]!.task_id}`),
      headers: api.headers(),
      connections: settings.apiConnections,
      duration: settings.apiSeconds,
    });

    progress(`throughput: ${settings.events} events through POST /events into flushed batches`);
    await stack.call('phase', 'events');
    const eventsStart = performance.now();
    const posted = await load('POST /events', {
      url: url('/events'),
      method: 'POST',
      headers: api.headers(),
      body: JSON.stringify({ user: 'u1', action: 'signup' }),
      connections: settings.eventsConcurrency,
      amount: settings.events,
    });
    while ((await api.request<{ waiting: number }>('GET', '/events/stats')).waiting > 0) await sleep(50);
    const eventsSeconds = (performance.now() - eventsStart) / 1000;
    const memory = await stack.call('memory');

    progress(`throughput: raw SDK loops against the same emulators (${settings.rawOps} calls each)`);
    await stack.call('phase', 'raw loops');
    const raw = await rawLoops(stack, created.items[0]!.task_id, settings);

    progress(`throughput: ${settings.profileTasks} more tasks under the CPU profiler, counting AWS calls`);
    await stack.call('phase', 'profile');
    const calls0 = await stack.call('calls');
    await stack.call('profileStart');
    await endToEnd(api, settings.profileTasks, settings.e2eConcurrency);
    const profile = await stack.call('profileStop');
    const callsPerTask = diff(await stack.call('calls'), calls0, settings.profileTasks);
    const rawCpu = new Map(raw.map((r) => [r.operation, r.emulatorCpuMs]));
    const emulatorCpu = Object.entries(callsPerTask).reduce(
      (sum, [call, n]) => sum + n * rawCpu.get(rawEquivalent(call.replace(/ \(empty\)$/, '')))!,
      0,
    );

    return {
      endToEnd: e2e,
      api: [post, get],
      backlog: {
        tasks: backlogTasks,
        drainSeconds: round(drainSeconds, 2),
        tasksPerSecond: round(backlogTasks / (post.seconds + drainSeconds), 1),
      },
      events: {
        events: settings.events,
        concurrency: settings.eventsConcurrency,
        postRequestsPerSecond: posted.requestsPerSecond,
        postLatencyMs: posted.latencyMs,
        seconds: round(eventsSeconds, 2),
        eventsPerSecond: round(settings.events / eventsSeconds, 1),
      },
      raw,
      emulatorShare: {
        callsPerTask,
        stackCpuMsPerTask: round(cpuPerTask, 2),
        emulatorCpuMsPerTask: round(emulatorCpu, 2),
        share: round(emulatorCpu / cpuPerTask, 2),
        emulatorBoundTasksPerSecond: round(1000 / emulatorCpu, 1),
      },
      profile,
      memory,
    };
  } finally {
    sqs.destroy();
    await stack.stop();
  }
}
