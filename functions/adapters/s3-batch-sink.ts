import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Batch, StoredEvent } from '../batching/model';
import type { BatchSink } from '../batching/ports';

/** One S3 PUT per batch: NDJSON, one line per event in arrival order. */
export class S3BatchSink implements BatchSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async write(batch: Batch, events: StoredEvent[]): Promise<{ bucket: string; key: string }> {
    const key = batch.sinks.s3.key;
    const body =
      events.map((e) => JSON.stringify({ event_id: e.event_id, received_at: e.received_at, body: e.body })).join('\n') +
      '\n';
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
        Metadata: { 'batch-id': batch.batch_id, tenant: batch.tenant, size: String(batch.size) },
      }),
    );
    return { bucket: this.bucket, key };
  }
}
