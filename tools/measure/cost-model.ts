/**
 * The cost model of `npm run cost`: AWS calls and Lambda compute per event, as measured on the local
 * pipeline, times list prices. Pure arithmetic, so that the unit tests can check it by hand.
 */

/**
 * When the prices below were read off the pricing pages (us-east-1, first tier, no free tier). There
 * is no internet on the machine that runs this: recheck the pages before quoting a figure.
 */
export const pricesAsOf = '2024-11-01';

export interface ListPrice {
  /** US dollars per million units. */
  readonly usdPerMillion: number;
  readonly unit: string;
  readonly source: string;
}

export const listPrices = {
  httpApiRequest: {
    usdPerMillion: 1.0,
    unit: 'HTTP API request (first 300 M/month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  restApiRequest: {
    usdPerMillion: 3.5,
    unit: 'REST API request (first 333 M/month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  functionUrlRequest: {
    usdPerMillion: 0,
    unit: 'Lambda function URL request (no charge beyond the invocation)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaRequest: { usdPerMillion: 0.2, unit: 'Lambda invocation', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmGbSecond: {
    usdPerMillion: 13.3334,
    unit: 'GB-second of arm64 Lambda (first 7.5 G GB-s/month)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  sqsRequest: {
    usdPerMillion: 0.4,
    unit: 'SQS standard request (each 64 KB chunk)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  dynamoWriteUnit: {
    usdPerMillion: 0.625,
    unit: 'DynamoDB on-demand write request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoReadUnit: {
    usdPerMillion: 0.125,
    unit: 'DynamoDB on-demand read request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  sesEmail: { usdPerMillion: 100, unit: 'SES email sent', source: 'https://aws.amazon.com/ses/pricing/' },
  s3Put: { usdPerMillion: 5, unit: 'S3 Standard PUT', source: 'https://aws.amazon.com/s3/pricing/' },
  s3Get: { usdPerMillion: 0.4, unit: 'S3 Standard GET', source: 'https://aws.amazon.com/s3/pricing/' },
  secretsManagerCall: {
    usdPerMillion: 5,
    unit: 'Secrets Manager API call ($0.05 per 10,000)',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
  },
} as const satisfies Record<string, ListPrice>;

export type Ingress = 'http-api' | 'rest-api' | 'function-url';

export const ingressNames: Record<Ingress, string> = {
  'http-api': 'API Gateway HTTP API',
  'rest-api': 'API Gateway REST API',
  'function-url': 'Lambda function URL',
};

const ingressPrice: Record<Ingress, ListPrice> = {
  'http-api': listPrices.httpApiRequest,
  'rest-api': listPrices.restApiRequest,
  'function-url': listPrices.functionUrlRequest,
};

/** One AWS call as the counting proxy saw it. */
export interface CountedCall {
  readonly service: string;
  readonly operation: string;
  /** Items of a batch or transaction write. */
  readonly items: number;
}

/** What one event uses, on average. */
export interface PerEventUsage {
  readonly ingressRequests: number;
  readonly receiverInvocations: number;
  readonly receiverGbSeconds: number;
  readonly consumerInvocations: number;
  readonly consumerGbSeconds: number;
  readonly sqsRequests: number;
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly emails: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
  readonly secretsManagerCalls: number;
}

export class UnpricedCallError extends Error {
  constructor(call: CountedCall) {
    super(
      `no price for ${call.service}/${call.operation}: add it to callUnits in tools/measure/cost-model.ts (which request unit it uses)`,
    );
    this.name = 'UnpricedCallError';
  }
}

type UnitKey = Exclude<
  keyof PerEventUsage,
  'ingressRequests' | 'receiverInvocations' | 'receiverGbSeconds' | 'consumerInvocations' | 'consumerGbSeconds'
>;

/**
 * The request units one call uses. DynamoDB items here are under 1 KB (one write unit each, two in
 * a transaction) and reads are strongly consistent under 4 KB (one read unit): an upper bound.
 */
export function callUnits(call: CountedCall): Partial<Record<UnitKey, number>> {
  switch (call.service) {
    case 'sqs':
      return { sqsRequests: 1 };
    case 'dynamodb':
      if (call.operation === 'TransactWriteItems') return { dynamoWriteUnits: 2 * call.items };
      if (call.operation === 'TransactGetItems') return { dynamoReadUnits: 2 * call.items };
      if (['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].includes(call.operation))
        return { dynamoWriteUnits: call.items };
      if (['GetItem', 'Query', 'BatchGetItem'].includes(call.operation)) return { dynamoReadUnits: call.items };
      break;
    case 'ses':
      if (call.operation === 'SendEmail' || call.operation === 'SendRawEmail') return { emails: 1 };
      break;
    case 's3':
      if (call.operation === 'PUT' || call.operation === 'POST') return { s3Puts: 1 };
      if (call.operation === 'GET' || call.operation === 'HEAD') return { s3Gets: 1 };
      break;
    case 'secretsmanager':
      return { secretsManagerCalls: 1 };
  }
  throw new UnpricedCallError(call);
}

/** GB-seconds Lambda bills for invocations of these durations: each rounded up to the millisecond. */
export function gbSeconds(durationsMs: readonly number[], memoryMb: number): number {
  const billedMs = durationsMs.reduce((sum, ms) => sum + Math.max(1, Math.ceil(ms)), 0);
  return (billedMs / 1000) * (memoryMb / 1024);
}

export interface Measurement {
  readonly events: number;
  readonly calls: readonly CountedCall[];
  /** One per receiver invocation (one per event: API Gateway invokes it per request). */
  readonly receiverDurationsMs: readonly number[];
  /** One per consumer invocation (one per SQS batch). */
  readonly consumerDurationsMs: readonly number[];
  readonly memoryMb: number;
}

/** Average use per event of what was measured. */
export function perEventUsage(measurement: Measurement): PerEventUsage {
  const { events } = measurement;
  const units: Record<UnitKey, number> = {
    sqsRequests: 0,
    dynamoWriteUnits: 0,
    dynamoReadUnits: 0,
    emails: 0,
    s3Puts: 0,
    s3Gets: 0,
    secretsManagerCalls: 0,
  };
  for (const call of measurement.calls)
    for (const [key, value] of Object.entries(callUnits(call)) as [UnitKey, number][]) units[key] += value;
  return {
    ingressRequests: 1,
    receiverInvocations: measurement.receiverDurationsMs.length / events,
    receiverGbSeconds: gbSeconds(measurement.receiverDurationsMs, measurement.memoryMb) / events,
    consumerInvocations: measurement.consumerDurationsMs.length / events,
    consumerGbSeconds: gbSeconds(measurement.consumerDurationsMs, measurement.memoryMb) / events,
    ...(Object.fromEntries(Object.entries(units).map(([key, value]) => [key, value / events])) as Record<
      UnitKey,
      number
    >),
  };
}

/**
 * The least any design on these services needs per event: one ingress request and one receiver
 * invocation, one SendMessage, one receive and one delete, one consumer invocation, two idempotency
 * writes (claim before the email, complete after it) and one email. Compute is ours per event: the
 * floor is about requests, not about how fast the code is.
 */
export function floorUsage(ours: PerEventUsage): PerEventUsage {
  return {
    ingressRequests: 1,
    receiverInvocations: 1,
    receiverGbSeconds: ours.receiverGbSeconds,
    consumerInvocations: 1,
    consumerGbSeconds: ours.consumerGbSeconds,
    sqsRequests: 3,
    dynamoWriteUnits: 2,
    dynamoReadUnits: 0,
    emails: 1,
    s3Puts: 0,
    s3Gets: 0,
    secretsManagerCalls: 0,
  };
}

export interface CostLine {
  readonly item: string;
  readonly perEvent: number;
  readonly usdPerMillionEvents: number;
}

/** Dollars per million events, line by line, for an ingress. */
export function costLines(usage: PerEventUsage, ingress: Ingress): CostLine[] {
  const line = (item: string, perEvent: number, price: ListPrice): CostLine => ({
    item,
    perEvent,
    usdPerMillionEvents: perEvent * price.usdPerMillion,
  });
  return [
    line(ingressNames[ingress], usage.ingressRequests, ingressPrice[ingress]),
    line('Lambda invocations', usage.receiverInvocations + usage.consumerInvocations, listPrices.lambdaRequest),
    line('Lambda GB-s, receiver', usage.receiverGbSeconds, listPrices.lambdaArmGbSecond),
    line('Lambda GB-s, consumer', usage.consumerGbSeconds, listPrices.lambdaArmGbSecond),
    line('SQS requests', usage.sqsRequests, listPrices.sqsRequest),
    line('DynamoDB write units', usage.dynamoWriteUnits, listPrices.dynamoWriteUnit),
    line('DynamoDB read units', usage.dynamoReadUnits, listPrices.dynamoReadUnit),
    line('SES emails', usage.emails, listPrices.sesEmail),
    line('S3 PUT', usage.s3Puts, listPrices.s3Put),
    line('S3 GET', usage.s3Gets, listPrices.s3Get),
    line('Secrets Manager calls', usage.secretsManagerCalls, listPrices.secretsManagerCall),
  ];
}

export function totalUsd(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.usdPerMillionEvents, 0);
}
