import type { TaskTypeDefinition } from '../functions/core/task-type';

/**
 * The esbuild `define`s of a task type's worker bundle (functions/task-types/registry.ts explains the
 * mechanism), shared by the CDK stack and `npm run bench:bundles` so the bench measures what deploys:
 * - `TASKLANE_BUNDLED_TYPE`: the registry keeps this type only. Not for a type that creates or manages
 *   tasks: it validates, creates and reruns tasks of every type, with their schemas and settings.
 * - `TASKLANE_BUNDLED_EMAIL`: `no` leaves the SES client out of a worker whose type does not use `email`
 *   (functions/adapters/task-services.ts); it had no grant to send anyway.
 */
export function workerBundleDefine(type: Pick<TaskTypeDefinition, 'name' | 'uses'>): Record<string, string> {
  const uses = type.uses ?? [];
  const anyType = uses.includes('create_tasks') || uses.includes('manage_tasks');
  return {
    ...(anyType ? {} : { 'process.env.TASKLANE_BUNDLED_TYPE': JSON.stringify(type.name) }),
    'process.env.TASKLANE_BUNDLED_EMAIL': JSON.stringify(uses.includes('email') ? 'yes' : 'no'),
  };
}
