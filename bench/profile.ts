import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/paths';

/** CPU time of the profiled process by who spent it. */
export interface CpuBreakdown {
  /** Profiled CPU time, idle excluded. */
  cpuMs: number;
  /** Share of cpuMs per category (0–1), largest first. */
  shares: Record<string, number>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export const EMULATORS = 'emulators (dynalite, fauxqs)';
const NODE_INTERNAL = 'node internals';

/** npm packages reachable from `roots` in package-lock.json (nesting ignored: close enough for naming). */
function closure(roots: readonly string[]): Set<string> {
  const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
  };
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const entry = lock.packages[`node_modules/${name}`];
    stack.push(...Object.keys({ ...entry?.dependencies, ...entry?.optionalDependencies }));
  }
  return seen;
}

/**
 * Names what a frame's file belongs to: the emulators and what only they depend on, the AWS SDK,
 * the web framework, our code, and so on.
 */
function categorizer(): (url: string) => string | undefined {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const runtime = closure(Object.keys(pkg.dependencies));
  const emulators = new Set([...closure(['dynalite', 'fauxqs'])].filter((name) => !runtime.has(name)));
  const sdk = closure(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@aws-sdk/')));
  return (url) => {
    if (url === '') return undefined;
    if (url.startsWith('node:')) return NODE_INTERNAL;
    const file = url.startsWith('file://') ? new URL(url).pathname : url;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m) {
      const name = m[1]!;
      if (emulators.has(name)) return EMULATORS;
      if (sdk.has(name)) return 'AWS SDK';
      if (name === 'hono' || name.startsWith('@hono/')) return 'Hono (HTTP app)';
      if (name.startsWith('@aws-lambda-powertools/')) return 'Powertools';
      if (name === 'tsx' || name === 'esbuild' || name === 'get-tsconfig') return 'tsx loader';
      return `other packages`;
    }
    const relative = path.relative(PROJECT_ROOT, file);
    if (relative.startsWith('functions/')) return 'Tasklane (functions/)';
    if (relative.startsWith('local/')) return 'local stack glue (local/)';
    if (relative.startsWith('bench/')) return 'bench instrumentation';
    return NODE_INTERNAL;
  };
}

/**
 * Self time per category. Node internals and native frames count for the nearest caller that is
 * not one (the socket work of a DynamoDB call belongs to whoever made it); what has no such caller
 * (event loop, parsers started by the runtime) stays `node internals`; GC stays apart.
 */
export function breakdown(profile: Profile): CpuBreakdown {
  const categorize = categorizer();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const memo = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const cached = memo.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    let category: string;
    if (name === '(idle)') category = 'idle';
    else if (name === '(garbage collector)') category = 'garbage collection';
    else {
      const own = categorize(node.callFrame.url);
      const up = parent.get(id);
      const inherited = up === undefined ? NODE_INTERNAL : categoryOf(up);
      category = own && own !== NODE_INTERNAL ? own : inherited;
    }
    memo.set(id, category);
    return category;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const category = categoryOf(id);
    totals.set(category, (totals.get(category) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  totals.delete('idle');
  const cpu = [...totals.values()].reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries(
    [...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / cpu) * 1000) / 1000]),
  );
  return { cpuMs: Math.round(cpu / 1000), shares };
}

/** Starts V8's sampling profiler in this process; the returned function stops it and sums the profile. */
export async function startProfiler(): Promise<() => Promise<CpuBreakdown>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    session.disconnect();
    return breakdown(profile);
  };
}
