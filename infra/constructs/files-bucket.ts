import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { UPLOAD_RETENTION_DAYS, UPLOADS_PREFIX } from '../../functions/task-types/uploads';
import { RESULT_FILES } from '../../functions/core/result-store';
import { LoggedBucket } from './logged-bucket';

/** Days a result file is kept: a year (the longest sleep or delay) beyond the finished record's TTL. */
export function resultRetentionDays(finishedTaskTtlDays: number): number {
  return 365 + finishedTaskTtlDays;
}

/** Exports are downloaded through short-lived links; a week leaves time to fetch one again from a task's result. */
const EXPORT_RETENTION_DAYS = 7;

/**
 * Files of task types: `exports/<tenant>/<task_id>.<csv|ndjson>` written by exports,
 * `uploads/<tenant>/<upload_id>.csv` read by imports, and `results/<tenant>/<task_id>/…json`, results too
 * large for the task record. A task result outlives its record (written at the end, kept longer than
 * `finishedTaskTtlDays`); a step result outlives its task unless the task runs on for over a year after it.
 */
export function filesBucket(scope: Construct, id: string, finishedTaskTtlDays: number): LoggedBucket {
  return new LoggedBucket(scope, id, {
    purpose: 'files',
    logPrefix: 'files-bucket/',
    lifecycleRules: [
      { prefix: 'exports/', expiration: Duration.days(EXPORT_RETENTION_DAYS) },
      { prefix: UPLOADS_PREFIX, expiration: Duration.days(UPLOAD_RETENTION_DAYS) },
      { prefix: RESULT_FILES.prefix, expiration: Duration.days(resultRetentionDays(finishedTaskTtlDays)) },
      // A canceled or crashed export leaves its parts behind otherwise (lib-storage aborts, a killed Lambda cannot).
      { abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
}
