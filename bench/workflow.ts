/**
 * `npm run bench:workflow`: the durable-steps part of `npm run bench` alone: requests and dollars per
 * million runs of a 5-step workflow against Step Functions and Inngest, and resume latency after a sleep
 * and after the last child ends. Writes bench/results/workflow.json and workflow.md (`BENCH_QUICK=1`:
 * workflow-quick.*, from small counts, to check the bench itself); about a minute.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { projectPath } from '../infra/paths';
import { elapsedSeconds, progress } from './progress';
import { PRICES, PRICES_RECORDED } from './prices';
import { QUICK } from './settings';
import { measureWorkflow, renderWorkflow, WORKFLOW_SETTINGS, workflowTarget } from './workflow-bench';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const git = (...args: string[]) => execFileSync('git', args, { cwd: projectPath('.'), encoding: 'utf8' }).trim();
const load = () => Math.round(os.loadavg()[0]! * 100) / 100;
const loadAtStart = load();
const workflow = await measureWorkflow();
const loadAverage = { start: loadAtStart, end: load() };
const target = workflowTarget(workflow);
// The results this writes are not changes to the code measured.
const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', '.', ':!bench/results').length > 0 ? ' + uncommitted changes' : ''}`;
const name = QUICK ? 'workflow-quick' : 'workflow';
const dir = projectPath('bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}/${name}.json`,
  `${JSON.stringify({ date: new Date().toISOString(), commit, node: process.version, cpus: os.cpus().length, loadAverage, settings: WORKFLOW_SETTINGS, workflow, target }, null, 2)}\n`,
);
const prices = [PRICES.stepFunctionsStandardPerThousandTransitions, PRICES.inngestPerMillionExecutions]
  .map((p) => `${p.what} $${p.usd} (${p.source})`)
  .join('; ');
const markdown = `# Durable steps benchmarks${QUICK ? ' (QUICK run: small counts, not figures to quote)' : ''} — ${new Date().toISOString().slice(0, 10)}

\`npm run bench:workflow\` on Node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAverage.start} → ${loadAverage.end}, commit ${commit}, ${Math.round(elapsedSeconds())} s. Target: ${target.target}: ${target.value}, ${target.met ? 'met' : '**missed**'}.

${renderWorkflow(workflow)}
Prices: ${PRICES_RECORDED}, bench/prices.ts; the alternatives: ${prices}.
`;
writeFileSync(`${dir}/${name}.md`, markdown);
process.stdout.write(markdown);
progress(`done in ${Math.round(elapsedSeconds())} s: bench/results/${name}.json, bench/results/${name}.md`);
