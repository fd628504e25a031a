/**
 * Files clients upload for task types to read (`import`): where they live and how long the upload
 * link lasts. Shared by POST /uploads, the import type and the CDK grants, so the three agree.
 */

/** Key prefix of uploads in the files bucket; the CDK stack expires objects under it after UPLOAD_RETENTION_DAYS. */
export const UPLOADS_PREFIX = 'uploads/';

/** An upload belongs to the tenant that asked for it: the key carries the tenant, so no other tenant's import can read it. */
export function uploadKey(tenant: string, uploadId: string): string {
  return `${UPLOADS_PREFIX}${tenant}/${uploadId}.csv`;
}

/** Lifetime of the presigned PUT URL POST /uploads returns. */
export const UPLOAD_URL_EXPIRY_SECONDS = 900;

/** Days an uploaded file is kept (S3 lifecycle rule); an import must start within that time. */
export const UPLOAD_RETENTION_DAYS = 1;

/** Upload ids are ULIDs. */
export const UPLOAD_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
