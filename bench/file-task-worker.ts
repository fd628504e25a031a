/**
 * One worker invocation in a process of its own, as a Lambda runs it: bench/file-tasks.ts starts
 * this with the local stack's configuration, it takes one message off the type's queue, runs the
 * worker handler the Lambda runs, and reports this process's memory while doing so.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients } from '../functions/adapters/aws-clients';
import type { RuntimeConfig } from '../functions/config';
import { createLogger } from '../functions/shared/logger';
import { requireTaskType } from '../functions/task-types/registry';
import { buildWorker } from '../functions/workers/build';
import { toSqsRecord } from '../local/event-source-poller';
import { localLambdaContext } from '../local/lambda-context';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

export interface WorkerRun {
  type: string;
  seconds: number;
  /** RSS after the worker was built and its message received, before it ran. */
  readyRssMb: number;
  /** Highest RSS and V8 heap sampled every 20 ms while the attempt ran. */
  peakRssMb: number;
  peakHeapMb: number;
  /** The kernel's high-water mark of the whole process. */
  maxRssMb: number;
  failures: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const config = JSON.parse(process.env.BENCH_CONFIG!) as RuntimeConfig & { queueArn: string };
const typeName = process.env.BENCH_TYPE!;
const type = requireTaskType(typeName);
const clients = createAwsClients(config);
const worker = buildWorker(config, typeName, clients, createLogger(`bench-${typeName}`));
const { Messages = [] } = await clients.sqs.send(
  new ReceiveMessageCommand({
    QueueUrl: config.queueUrls[typeName],
    MaxNumberOfMessages: 1,
    WaitTimeSeconds: 5,
    MessageSystemAttributeNames: ['All'],
  }),
);
if (Messages.length !== 1) throw new Error(`expected one ${typeName} message, got ${Messages.length}`);

global.gc?.();
const readyRss = process.memoryUsage.rss();
let peakRss = readyRss;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 20);
const started = performance.now();
const response = await worker(
  { Records: Messages.map((m) => toSqsRecord(m, config.queueArn, config.region)) },
  localLambdaContext(`bench-${typeName}`, type.settings.timeoutSeconds, type.settings.memoryMb),
);
clearInterval(sampler);
const run: WorkerRun = {
  type: typeName,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  readyRssMb: mb(readyRss),
  peakRssMb: mb(peakRss),
  peakHeapMb: mb(peakHeap),
  maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
  failures: response.batchItemFailures.length,
};
process.stdout.write(`${JSON.stringify(run)}\n`);
process.exit(0);
