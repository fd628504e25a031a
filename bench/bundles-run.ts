/**
 * `npm run bench:bundles`: the bundles and cold start section of `npm run bench` on its own, with where
 * each function's bytes go (npm packages and our folders, from esbuild's metafile) next to its reference's.
 * Writes bench/results/bundles.md. `BENCH_RUNS=n` sets the fresh processes per bundle (default 30, as the
 * full bench).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { projectPath } from '../infra/paths';
import { buildBundles, entriesToMeasure, type BuiltBundle } from './bundles';
import { compareWithReferences, measureInit } from './cold-start';
import { progress } from './progress';
import { coldStartSection } from './report';
import { round } from './stats';

const runs = Number(process.env.BENCH_RUNS ?? 30);
const load = () => Math.round(os.loadavg()[0]! * 100) / 100;
const loadAtStart = load();
const { entries, notes } = entriesToMeasure();
progress(`bundles: ${entries.length} entries and their references`);
const bundles = await buildBundles(entries);
progress(`cold start: ${bundles.length} bundles × ${runs} fresh Node processes`);
const result = compareWithReferences(bundles, measureInit(bundles, runs), entries, runs, notes);
const loadAtEnd = load();

const kb = (bytes: number) => round(bytes / 1024, 1);
const _ms = (value: number) => value.toFixed(1);
const row = (cells: unknown[]) => `| ${cells.join(' | ')} |`;

/** What a function bundles beyond its reference, biggest first: packages the reference lacks or has less of, and our code. */
function extra(fn: BuiltBundle, reference: BuiltBundle): string {
  const rest = Object.entries(fn.origins)
    .map(([origin, bytes]) => [origin, bytes - (reference.origins[origin] ?? 0)] as const)
    .filter(([, bytes]) => bytes >= 1024)
    .sort((a, b) => b[1] - a[1]);
  return rest.map(([origin, bytes]) => `${origin} ${kb(bytes)}`).join(', ') || '—';
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: projectPath('.'), encoding: 'utf8' }).trim();
const bundle = (name: string) => bundles.find((b) => b.name === name)!;
const markdown = `# Bundles, cold start and where the bytes go

${new Date().toISOString().slice(0, 10)} · commit ${git('rev-parse', '--short', 'HEAD')} · Node ${process.version} · ${os.cpus().length} CPUs ·
load average ${loadAtStart} → ${loadAtEnd} · \`npm run bench:bundles\` (${runs} fresh processes per bundle)

${coldStartSection({ coldStart: result })}
## Where the extra bytes are

KB each function bundles beyond its reference (at least 1 KB), by npm package or folder of ours.

${row(['function', 'reference', 'beyond the reference, KB'])}
${row(Array(3).fill('---'))}
${result.functions.map((f) => row([f.name, f.reference.replace('reference:', ''), extra(bundle(f.name), bundle(f.reference))])).join('\n')}
`;

mkdirSync(projectPath('bench/results'), { recursive: true });
writeFileSync(projectPath('bench/results/bundles.md'), markdown);
process.stdout.write(markdown);
