/**
 * The one table of prices the bench uses: AWS us-east-1 on-demand list prices (no free tier, first
 * pricing tier) and the two alternatives the report compares with. Recorded from the pages below
 * in 2025 (DynamoDB after the November 2024 on-demand price cut); the report prints them, so a
 * reader can check them against the current pages.
 */
export const PRICES_RECORDED = '2025 (us-east-1, on demand, first tier, no free tier)';

export const PRICES = {
  apiGatewayHttpPerMillion: {
    usd: 1,
    what: 'API Gateway HTTP API, per million requests (first 300 million a month; metered in 512 KB increments). REST APIs: $3.50',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  lambdaRequestsPerMillion: {
    usd: 0.2,
    what: 'Lambda, per million requests',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    what: 'Lambda duration, per GB-second, Arm (Graviton), first 7.5 billion GB-s a month',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  sqsStandardPerMillion: {
    usd: 0.4,
    what: 'SQS standard queue, per million requests (each 64 KB chunk of payload is a request)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  dynamoWritePerMillion: {
    usd: 0.625,
    what: 'DynamoDB on-demand, per million write request units (Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoReadPerMillion: {
    usd: 0.125,
    what: 'DynamoDB on-demand, per million read request units (Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  s3PutPerThousand: {
    usd: 0.005,
    what: 'S3 Standard, per 1,000 PUT, COPY, POST, LIST requests',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3GetPerThousand: {
    usd: 0.0004,
    what: 'S3 Standard, per 1,000 GET and other requests',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  sesPerThousand: { usd: 0.1, what: 'SES, per 1,000 emails sent', source: 'https://aws.amazon.com/ses/pricing/' },
  stepFunctionsStandardPerThousandTransitions: {
    usd: 0.025,
    what: 'Step Functions Standard workflows, per 1,000 state transitions',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  inngestPerMillionExecutions: {
    usd: 50,
    what: 'Inngest, per million executions beyond the plan (an execution is a function run or a step: a run of 5 steps is 6)',
    source:
      'https://www.inngest.com/pricing (executions per run: https://www.inngest.com/docs/durable-execution/limits)',
  },
  qstashPerHundredThousand: {
    usd: 1,
    what: 'Upstash QStash pay as you go, per 100,000 messages',
    source: 'https://upstash.com/pricing/qstash',
  },
} as const satisfies Record<string, { usd: number; what: string; source: string }>;

/** State transitions of the Step Functions comparison: start, run, progress, complete, notify. */
export const STEP_FUNCTIONS_TRANSITIONS_PER_TASK = 5;
