import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

/**
 * The client built for browsers as one ES module, its two packages inlined: what the dashboard
 * imports from GET /client.js, and what a page without a bundler can import too. The local stack
 * builds it with esbuild's API on first request; the CDK stack writes it beside the API function's
 * bundle with esbuild's command line (infra/constructs/api.ts). Both use the options below.
 */

const ENTRY = fileURLToPath(new URL('./src/index.ts', import.meta.url));

/** esbuild's options, as flags of its command line (the first word) and of its API (the rest). */
const OPTIONS = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  minify: true,
  // Browsers of 2022 on: class fields, top-level await and private methods need no down-levelling.
  target: 'es2022',
  legalComments: 'none',
} as const satisfies BuildOptions;

/** The bundle's text. */
export async function buildBrowserBundle(): Promise<string> {
  const { outputFiles } = await build({ ...OPTIONS, entryPoints: [ENTRY], write: false, logLevel: 'silent' });
  const text = outputFiles[0]?.text;
  if (text === undefined) throw new Error('esbuild wrote no browser bundle of the client.');
  return text;
}

/**
 * A shell command writing the bundle to `outfile`, with the esbuild of the project at `projectRoot`
 * (for the CDK's command hooks, which take shell commands).
 */
export function browserBundleCommand(projectRoot: string, outfile: string): string {
  const flags = Object.entries(OPTIONS).map(([name, value]) =>
    value === true ? `--${kebab(name)}` : `--${kebab(name)}=${value}`,
  );
  // The bin link: after install, esbuild/bin/esbuild is the platform's native binary, not a script.
  const esbuild = join(projectRoot, 'node_modules', '.bin', 'esbuild');
  return [esbuild, ENTRY, ...flags, '--log-level=warning', `--outfile=${outfile}`].map(quote).join(' ');
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
