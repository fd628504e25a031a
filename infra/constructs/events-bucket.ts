import type { Construct } from 'constructs';
import { LoggedBucket } from './logged-bucket';

/** Where the flush writes event batches (`events/YYYY/MM/DD/<batch_id>.ndjson`). */
export function eventsBucket(scope: Construct, id: string): LoggedBucket {
  return new LoggedBucket(scope, id, { purpose: 'events', logPrefix: 'events-bucket/' });
}
