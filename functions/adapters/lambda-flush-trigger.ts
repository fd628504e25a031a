import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { FlushTrigger } from '../batching/ports';

/** Asks the flush function to run now for one tenant: an asynchronous invoke, no waiting for it. */
export class LambdaFlushTrigger implements FlushTrigger {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async trigger(tenant: string): Promise<void> {
    await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ tenant })),
      }),
    );
  }
}

export function createLambdaClient(region: string): LambdaClient {
  return new LambdaClient({ region });
}
