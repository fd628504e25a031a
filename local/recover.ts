import type { AwsClients } from '../functions/adapters/aws-clients';
import type { RuntimeConfig } from '../functions/config';
import type { SweepReport } from '../functions/core/sweeper';
import { buildSweeper } from '../functions/scheduled/build-sweeper';
import { createLogger } from '../functions/shared/logger';
import type { Emulators } from './emulators';

/**
 * What a local stack knows at start, and a deployment never does: nothing of the previous run is
 * still at work. Its queues lived in fauxqs, in memory, so every message and every attempt died with
 * it, while its table (dynalite with --data-dir) kept the tasks `pending`, `running` or `retrying`
 * with nothing left to move them on. So the sweeper runs once with everything due, before the API
 * and the workers start: each such task gets a new message that continues its attempt count (a
 * `running` task's dead attempt counts), a task whose dead attempt was its last is failed, and each
 * webhook still owed is sent again; every step is the sweeper's conditional write, so once.
 *
 * Sound only when no other live process uses the table: dynalite's LevelDB folder admits one process
 * at a time (its LOCK file), but a table on an external engine may be another running stack's, whose
 * live attempts would then run twice. There the sweeper's bounds apply as in AWS.
 */
export async function recoverAfterRestart(
  engine: Emulators['dynamodbEngine'],
  config: RuntimeConfig,
  clients: AwsClients,
): Promise<SweepReport | undefined> {
  if (engine !== 'dynalite') return undefined;
  const logger = createLogger('tasklane-recovery');
  const report = await buildSweeper(config, clients, logger, { everythingDue: true })();
  if (report.due > 0 || report.webhooksResent > 0)
    logger.warn('re-drove the work the previous run left unfinished', { ...report });
  return report;
}
