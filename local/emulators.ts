import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { closeDynaliteIterators } from './dynalite-iterators';
import { startSesEmulator, type SesEmulator } from './ses-emulator';

export interface Emulators {
  /** DynamoDB endpoint: the embedded dynalite, or the external engine the stack was pointed at. */
  dynamodb: string;
  /** Which DynamoDB engine serves `dynamodb`. */
  dynamodbEngine: 'dynalite' | 'external';
  /** SQS and S3 endpoint (fauxqs). */
  sqs: string;
  /** SESv2 endpoint and web page of received e-mails (aws-ses-v2-local). */
  ses: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Folder for dynalite's LevelDB files; in memory when unset. */
  dataDir?: string;
  /**
   * An external DynamoDB endpoint (AWS's DynamoDB Local, say) to use instead of starting dynalite.
   * Default: the TASKLANE_DYNAMODB_ENDPOINT environment variable.
   */
  dynamodbEndpoint?: string;
}

/** Every emulator listens on loopback only: nothing on this machine's network can reach tenants' data. */
const LOOPBACK = '127.0.0.1';

/** Starts the wire-protocol emulators in this process, on free loopback ports. */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const external = options.dynamodbEndpoint ?? (process.env.TASKLANE_DYNAMODB_ENDPOINT || undefined);
  const started: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of started.reverse()) await step();
  };
  try {
    const dynamodb = external ? checkEndpoint(external) : await startDynalite(options.dataDir, started);
    // fauxqs's own startFauxqs() listens on 0.0.0.0 whatever host it is given; its app is bound here instead.
    const fauxqs = buildApp({ logger: false, host: LOOPBACK });
    const sqs = await fauxqs.listen({ port: 0, host: LOOPBACK });
    started.push(() => fauxqs.close());
    const ses: SesEmulator = await startSesEmulator();
    started.push(() => ses.stop());
    return { dynamodb, dynamodbEngine: external ? 'external' : 'dynalite', sqs, ses: ses.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startDynalite(dataDir: string | undefined, started: Array<() => Promise<void>>): Promise<string> {
  closeDynaliteIterators();
  // createTableMs 0: tables are ACTIVE at once (dynalite's default mimics AWS's delay).
  const server: Server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  started.push(async () => {
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
}

function checkEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`TASKLANE_DYNAMODB_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8000 (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`TASKLANE_DYNAMODB_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8000 (got "${raw}")`);
  }
  return raw.replace(/\/$/, '');
}
