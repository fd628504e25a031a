import type { Hono } from 'hono';
import { newSortableId } from '../core/ids';
import type { Clock } from '../core/ports';
import { MAX_IMPORT_BYTES } from '../task-types/import';
import { UPLOAD_URL_EXPIRY_SECONDS, uploadKey } from '../task-types/uploads';
import type { AppEnv } from './context';

/** Signs upload URLs (S3 presigned PUT in AWS and locally). */
export interface UploadLinks {
  uploadUrl(key: string, expiresInSeconds: number): Promise<string>;
}

/** POST /uploads: a presigned PUT URL for a CSV that an `import` task then reads by its upload_id. */
export function registerUploadRoute(app: Hono<AppEnv>, links: UploadLinks, clock: Clock): void {
  app.post('/uploads', async (c) => {
    // A ULID, like task ids: unguessable enough for a link that lives 15 minutes, and scoped to the tenant by its key.
    const uploadId = newSortableId();
    const url = await links.uploadUrl(uploadKey(c.get('tenant'), uploadId), UPLOAD_URL_EXPIRY_SECONDS);
    return c.json(
      {
        upload_id: uploadId,
        upload_url: url,
        method: 'PUT',
        expires_at: new Date(clock.now().getTime() + UPLOAD_URL_EXPIRY_SECONDS * 1000).toISOString(),
        max_bytes: MAX_IMPORT_BYTES,
      },
      201,
    );
  });
}
