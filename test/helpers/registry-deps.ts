import { taskTypes } from '../../functions/task-types/registry';
import { checkWebhookUrl } from '../../functions/webhooks/target-guard';

/** What a composition root hands TaskService besides its adapters: the registry, and the AWS webhook policy (https, no loopback). */
export const registryDeps = {
  types: taskTypes,
  checkWebhookUrl: (url: string) => {
    checkWebhookUrl(url, { allowedSchemes: ['https'], allowLoopback: false });
  },
};
