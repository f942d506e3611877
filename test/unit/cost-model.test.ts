import { classifyAwsRequest } from '../../tools/measure/aws-call-counter';
import {
  callUnits,
  costLines,
  floorUsage,
  gbSeconds,
  listPrices,
  perEventUsage,
  totalUsd,
  UnpricedCallError,
} from '../../tools/measure/cost-model';

const call = (service: string, operation: string, items = 1) => ({ service, operation, items });

describe('the cost model of npm run cost', () => {
  it('bills Lambda per invocation rounded up to the millisecond, at the memory in GB', () => {
    // 0.2 ms bills 1 ms, 99.1 ms bills 100 ms: 101 ms at 512 MB is 0.101 × 0.5 GB-s
    expect(gbSeconds([0.2, 99.1], 512)).toBeCloseTo(0.0505, 10);
    expect(gbSeconds([], 256)).toBe(0);
  });

  it('counts the request units of each call', () => {
    expect(callUnits(call('sqs', 'SendMessage'))).toEqual({ sqsRequests: 1 });
    expect(callUnits(call('dynamodb', 'UpdateItem'))).toEqual({ dynamoWriteUnits: 1 });
    expect(callUnits(call('dynamodb', 'TransactWriteItems', 3))).toEqual({ dynamoWriteUnits: 6 });
    expect(callUnits(call('dynamodb', 'GetItem'))).toEqual({ dynamoReadUnits: 1 });
    expect(callUnits(call('ses', 'SendEmail'))).toEqual({ emails: 1 });
    expect(callUnits(call('s3', 'PUT'))).toEqual({ s3Puts: 1 });
    expect(callUnits(call('s3', 'GET'))).toEqual({ s3Gets: 1 });
    expect(callUnits(call('secretsmanager', 'GetSecretValue'))).toEqual({ secretsManagerCalls: 1 });
  });

  it('refuses a call it has no price for, saying where to add one', () => {
    expect(() => callUnits(call('kinesis', 'PutRecord'))).toThrow(UnpricedCallError);
    expect(() => callUnits(call('ses', 'VerifyEmailIdentity'))).toThrow(/callUnits in tools\/measure\/cost-model.ts/);
  });

  it('averages what 2 events used and prices it per million events', () => {
    // Prepare: 2 events, one batch of both
    const usage = perEventUsage({
      events: 2,
      calls: [
        call('sqs', 'SendMessage'),
        call('sqs', 'SendMessage'),
        call('sqs', 'ReceiveMessage'),
        call('sqs', 'DeleteMessageBatch'),
        ...Array.from({ length: 6 }, () => call('dynamodb', 'UpdateItem')),
        call('ses', 'SendEmail'),
        call('ses', 'SendEmail'),
      ],
      receiverDurationsMs: [10, 10],
      consumerDurationsMs: [1000],
      memoryMb: 1024,
    });
    // Assess
    expect(usage).toMatchObject({ sqsRequests: 2, dynamoWriteUnits: 3, emails: 1, receiverInvocations: 1 });
    expect(usage.consumerInvocations).toBe(0.5);
    expect(usage.consumerGbSeconds).toBeCloseTo(0.5, 10);
    const lines = costLines(usage, 'http-api');
    const byItem = Object.fromEntries(lines.map((line) => [line.item, line.usdPerMillionEvents]));
    expect(byItem['API Gateway HTTP API']).toBe(1);
    expect(byItem['Lambda invocations']).toBeCloseTo(1.5 * 0.2, 10);
    expect(byItem['SQS requests']).toBeCloseTo(0.8, 10);
    expect(byItem['DynamoDB write units']).toBeCloseTo(3 * 0.625, 10);
    expect(byItem['SES emails']).toBe(100);
    // 0.01 GB-s receiver + 0.5 GB-s consumer at $13.3334 per million GB-s
    const lambdaGbS = (byItem['Lambda GB-s, receiver'] ?? 0) + (byItem['Lambda GB-s, consumer'] ?? 0);
    expect(lambdaGbS).toBeCloseTo(0.51 * 13.3334, 6);
    expect(totalUsd(lines)).toBeCloseTo(1 + 0.3 + 0.8 + 1.875 + 100 + 0.51 * 13.3334, 6);
  });

  it('prices the ingress choices: REST API costs 2.50 $ more per million than HTTP API, a function URL 1 $ less', () => {
    const usage = floorUsage(
      perEventUsage({ events: 1, calls: [], receiverDurationsMs: [1], consumerDurationsMs: [1], memoryMb: 128 }),
    );
    const http = totalUsd(costLines(usage, 'http-api'));
    expect(totalUsd(costLines(usage, 'rest-api')) - http).toBeCloseTo(2.5, 10);
    expect(totalUsd(costLines(usage, 'function-url')) - http).toBeCloseTo(-1, 10);
  });

  it('puts the floor at 3 SQS requests, 2 writes, 2 invocations and 1 email, with our compute', () => {
    const ours = perEventUsage({
      events: 1,
      calls: [call('dynamodb', 'GetItem')],
      receiverDurationsMs: [5],
      consumerDurationsMs: [7],
      memoryMb: 256,
    });
    expect(floorUsage(ours)).toMatchObject({
      sqsRequests: 3,
      dynamoWriteUnits: 2,
      dynamoReadUnits: 0,
      receiverInvocations: 1,
      consumerInvocations: 1,
      emails: 1,
      consumerGbSeconds: ours.consumerGbSeconds,
    });
  });

  it('names the source page of every price', () => {
    for (const price of Object.values(listPrices)) expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });
});

describe('the counting proxy names each AWS call', () => {
  const signed = (service: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=test/20261203/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  });
  it('by the credential scope and the JSON target, the query action or the S3 method', () => {
    expect(classifyAwsRequest('POST', { ...signed('sqs'), 'x-amz-target': 'AmazonSQS.SendMessage' }, '{}')).toEqual({
      service: 'sqs',
      operation: 'SendMessage',
    });
    expect(classifyAwsRequest('POST', signed('ses'), 'Action=SendEmail&Version=2010-12-01')).toEqual({
      service: 'ses',
      operation: 'SendEmail',
    });
    expect(classifyAwsRequest('PUT', signed('s3'), '{"id":"evt_1"}')).toEqual({ service: 's3', operation: 'PUT' });
    expect(classifyAwsRequest('GET', {}, '').service).toBe('unsigned');
  });
});
