/**
 * `npm run bench:units`: the bench's DynamoDB write-unit model held against the ConsumedCapacity the
 * engines report: the embedded dynalite, then AWS's DynamoDB Local (needs Java; skipped with the reason
 * without it). Writes bench/results/units.json and units.md; about a minute or two (BENCH_QUICK=1: fewer tasks).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { projectPath } from '../infra/paths';
import { elapsedSeconds, progress } from './progress';
import { renderUnits } from './report';
import { SETTINGS } from './settings';
import { checkUnits } from './units-check';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const units = await checkUnits(SETTINGS.unitsCheckTasks);
const dir = projectPath('bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}/units.json`,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, units }, null, 2)}\n`,
);
const markdown = `# DynamoDB write units — ${new Date().toISOString().slice(0, 10)}\n\n\`npm run bench:units\` on Node ${process.version}.\n\n${renderUnits(units)}`;
writeFileSync(`${dir}/units.md`, markdown);
process.stdout.write(markdown);
progress(`done in ${Math.round(elapsedSeconds())} s: bench/results/units.json, bench/results/units.md`);
// The check did not happen: say so to whoever runs it in a script.
if ('skipped' in units.dynamodbLocal) process.exitCode = 1;
