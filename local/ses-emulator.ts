import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A CommonJS module with an `exports.default`: Node's ESM import would hand over the exports object,
// not the function, so it is loaded with require (types still from the package).
const { default: startSesServer } = createRequire(import.meta.url)(
  'aws-ses-v2-local',
) as typeof import('aws-ses-v2-local');

export interface SesEmulator {
  /** SESv2 API endpoint, also its web page listing the e-mails received (GET /) and their JSON (GET /store). */
  url: string;
  stop(): Promise<void>;
}

/** Starts aws-ses-v2-local in this process on a free loopback port. */
export async function startSesEmulator(): Promise<SesEmulator> {
  const server: Server = await startSesServer({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
