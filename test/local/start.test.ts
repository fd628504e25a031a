import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

/** `npm start` as a user runs it: prints the URLs and key, serves the API, and Ctrl-C frees everything. */
describe('npm start (local/start.ts)', () => {
  it('prints the endpoints, serves requests, and exits cleanly on SIGINT with the port freed', async () => {
    // Prepare
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--port', String(port)], {
      env: { ...process.env, TASKLANE_API_KEY: 'tl_testtest_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));

    // Act
    const deadline = Date.now() + 30_000;
    while (!output.includes('Ctrl-C stops everything') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    const tasks = await fetch(`http://127.0.0.1:${port}/tasks`, {
      headers: { authorization: 'Bearer tl_testtest_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
    });
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');

    // Assess
    expect(output).toMatch(new RegExp(`API\\s+http://127\\.0\\.0\\.1:${port}`));
    expect(output).toMatch(/DynamoDB\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/SQS \/ S3\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/SES\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('tl_testtest_');
    expect(health.status).toBe(200);
    expect(tasks.status).toBe(200);
    expect(code).toBe(0);
    expect(await isFree(port)).toBe(true);
  });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
