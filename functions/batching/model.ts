/** An event as buffered: stored at once, flushed later in a batch. */
export interface StoredEvent {
  tenant: string;
  /** ULID: sorts in arrival order. */
  event_id: string;
  received_at: string;
  body: unknown;
}

/**
 * A batch of one tenant's events. `claimed`: its events are chosen and listed; `written`: the
 * NDJSON object is in S3; `done`: its events are removed from the buffer.
 */
export type BatchStatus = 'claimed' | 'written' | 'done';

export interface S3SinkState {
  status: 'pending' | 'written';
  bucket: string;
  key: string;
  written_at?: string;
}

export interface Batch {
  batch_id: string;
  tenant: string;
  size: number;
  first_event_at: string;
  last_event_at: string;
  created_at: string;
  updated_at: string;
  status: BatchStatus;
  /** The events of the batch, in arrival order: what a resumed flush writes and removes. */
  event_ids: string[];
  sinks: { s3: S3SinkState };
}

/** Public JSON of a batch (the event id list stays internal). */
export function toBatchView(batch: Batch) {
  const { event_ids: _ids, tenant: _tenant, ...view } = batch;
  return view;
}

/** The S3 key of a batch: `events/YYYY/MM/DD/<batch_id>.ndjson` (by the batch's creation date). */
export function batchObjectKey(batch: Pick<Batch, 'batch_id' | 'created_at' | 'tenant'>): string {
  const [date] = batch.created_at.split('T');
  const [y, m, d] = (date ?? '').split('-');
  return `events/${y}/${m}/${d}/${batch.batch_id}.ndjson`;
}
