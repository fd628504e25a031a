import type { CallOptions, Transport } from '../transport';
import type { UploadLink } from '../types';

/** Files for `import` tasks: a presigned URL to PUT a CSV to, then an import task names its `upload_id`. */
export class Uploads {
  constructor(private readonly transport: Transport) {}

  /** POST /uploads. Retried like a read: a repeat only signs another link. */
  create(options?: CallOptions): Promise<UploadLink> {
    return this.transport.json<UploadLink>({ method: 'POST', path: 'uploads', retrySafe: true }, options);
  }
}
