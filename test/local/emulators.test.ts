import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../local/emulators';

/**
 * The local addresses listening on a TCP port, from Linux's socket tables (hex, as the kernel
 * writes them): read rather than probed, so the test sends nothing to any address but loopback.
 */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .filter((file) => existsSync(file))
    .flatMap((file) => readFileSync(file, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
    .map((cols) => cols[1]!.split(':')[0]!);
}
const LOOPBACK_V4 = '0100007F';

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('the embedded emulators', () => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamodbEndpoint: process.env.TASKLANE_DYNAMODB_ENDPOINT });
  });
  afterAll(() => emulators?.stop());

  it.each(['sqs', 'ses', 'dynamodb'] as const)('serves %s on loopback', async (name) => {
    // Assess
    const url = new URL(emulators[name]);
    expect(url.hostname).toBe('127.0.0.1');
    expect(await connects('127.0.0.1', Number(url.port))).toBe(true);
  });

  // The socket tables are Linux's; elsewhere only the URL check above runs.
  it.skipIf(!existsSync('/proc/net/tcp')).each(['sqs', 'ses', 'dynamodb'] as const)(
    'listens on 127.0.0.1 only, not on every interface (%s)',
    (name) => {
      // Prepare: an external DynamoDB is not ours to bind.
      if (name === 'dynamodb' && emulators.dynamodbEngine === 'external') return;

      // Act
      const addresses = listeningAddresses(Number(new URL(emulators[name]).port));

      // Assess
      expect(addresses).toEqual([LOOPBACK_V4]);
    },
  );
});
