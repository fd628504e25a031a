import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { startSesEmulator, type SesEmulator } from './ses-emulator';

export interface Emulators {
  /** DynamoDB endpoint (dynalite). */
  dynamodb: string;
  /** SQS and S3 endpoint (fauxqs). */
  sqs: string;
  /** SESv2 endpoint and web page of received e-mails (aws-ses-v2-local). */
  ses: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Folder for dynalite's LevelDB files; in memory when unset. */
  dataDir?: string;
}

/** Starts the wire-protocol emulators in this process, on free loopback ports. */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  // createTableMs 0: tables are ACTIVE at once (dynalite's default mimics AWS's delay).
  const dynamo: Server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });
  let fauxqs: FauxqsServer;
  try {
    fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  } catch (error) {
    dynamo.close();
    throw error;
  }
  let ses: SesEmulator;
  try {
    ses = await startSesEmulator();
  } catch (error) {
    await fauxqs.stop();
    dynamo.close();
    throw error;
  }
  const { port } = dynamo.address() as AddressInfo;
  return {
    dynamodb: `http://127.0.0.1:${port}`,
    sqs: fauxqs.address,
    ses: ses.url,
    async stop() {
      await ses.stop();
      await fauxqs.stop();
      dynamo.closeAllConnections?.();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
