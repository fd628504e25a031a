import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { UPLOAD_RETENTION_DAYS, UPLOADS_PREFIX } from '../../functions/task-types/uploads';
import { LoggedBucket } from './logged-bucket';

/** Exports are downloaded through short-lived links; a week leaves time to fetch one again from a task's result. */
const EXPORT_RETENTION_DAYS = 7;

/** Files of task types: `exports/<tenant>/<task_id>.<csv|ndjson>` written by exports, `uploads/<tenant>/<upload_id>.csv` read by imports. */
export function filesBucket(scope: Construct, id: string): LoggedBucket {
  return new LoggedBucket(scope, id, {
    purpose: 'files',
    logPrefix: 'files-bucket/',
    lifecycleRules: [
      { prefix: 'exports/', expiration: Duration.days(EXPORT_RETENTION_DAYS) },
      { prefix: UPLOADS_PREFIX, expiration: Duration.days(UPLOAD_RETENTION_DAYS) },
      // A canceled or crashed export leaves its parts behind otherwise (lib-storage aborts, a killed Lambda cannot).
      { abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
}
