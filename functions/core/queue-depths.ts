/** How many messages wait in each task type's queue (SQS: one queue per type, counted approximately). */
export interface QueueDepths {
  /** Messages waiting in the type's queue, not counting those in flight or delayed. */
  depth(type: string): Promise<number>;
}
