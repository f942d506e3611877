import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { envVarNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { largeEventThresholdBytes, receiverAwsCallPolicy } from '../../functions/receiver/tuning';
import { localSenderAddress } from '../../tools/local/defaults';
import { configureHandlerEnvironment, createLocalResources } from '../../tools/local/resources';
import { buildHttpApiEvent } from '../../tools/receiver-events';
import { buildStripeEvent, signStripePayload, toStripeWebhookBody } from '../../tools/stripe-events';
import { requireMotoEndpoint } from '../support/wait-for';

/**
 * The receiver's answer when SQS or S3 hangs or fails, through the real handler: its clients, their
 * configuration (`receiverAwsCallPolicy`) and its enqueue deadline, exactly as deployed. Secrets
 * Manager is moto; SQS and S3 are local HTTP servers that misbehave on purpose.
 */
const signingSecret = 'whsec_time_budget_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const settings = resolveSettings({ stage: 'local' });
const { maxAttempts, requestTimeoutMs, enqueueDeadlineMs } = receiverAwsCallPolicy;
// Two hang scenarios of one deadline each run side by side; the rest takes a second or two.
jest.setTimeout(enqueueDeadlineMs + 20_000);

type ReceiverHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A stand-in for an AWS endpoint that accepts connections and then never answers, or answers 500 to everything. */
interface MisbehavingEndpoint {
  readonly url: string;
  /** Method of each request (attempt) that reached it. */
  readonly requests: string[];
  close(): Promise<void>;
}

const servers: MisbehavingEndpoint[] = [];

async function misbehavingEndpoint(behaviour: 'hang' | 'error'): Promise<MisbehavingEndpoint> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.method ?? '');
    request.resume();
    if (behaviour === 'error') {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('injected failure');
    }
    // 'hang': read the request, keep the connection open, never write a byte.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const misbehaving: MisbehavingEndpoint = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(misbehaving);
  return misbehaving;
}

/**
 * Loads a fresh copy of the receiver handler (it reads its environment once, when loaded) whose queue
 * is at `sqs`; S3 is wherever AWS_ENDPOINT_URL_S3 points when the handler first calls it.
 */
async function loadReceiver(sqs: MisbehavingEndpoint): Promise<ReceiverHandler> {
  // The receiver sends to AWS_ENDPOINT_URL_SQS when set (as the SDK does), so each loaded handler reads its own.
  process.env[envVarNames.queueUrl] = `${sqs.url}/123456789012/stripe-webhooks-time-budget-events`;
  process.env.AWS_ENDPOINT_URL_SQS = sqs.url;
  let handler: ReceiverHandler | undefined;
  await jest.isolateModulesAsync(async () => {
    ({ handler } = (await import('../../functions/receiver/handler')) as unknown as { handler: ReceiverHandler });
  });
  if (handler === undefined) throw new Error('the receiver handler did not load');
  return handler;
}

function signedInvoicePaid(bodyBytes: number): APIGatewayProxyEventV2 {
  const event = buildStripeEvent('invoice.paid', { object: { description: '' } });
  const base = toStripeWebhookBody(event);
  const body = toStripeWebhookBody(
    buildStripeEvent('invoice.paid', {
      id: event.id,
      created: event.created,
      object: { description: 'x'.repeat(Math.max(0, bodyBytes - Buffer.byteLength(base))) },
    }),
  );
  return buildHttpApiEvent(body, signStripePayload(body, signingSecret));
}

/** Posts the event and measures how long the receiver takes to answer. */
async function timedAnswer(handler: ReceiverHandler, event: APIGatewayProxyEventV2) {
  const started = performance.now();
  const result = await handler(event);
  return {
    elapsedMs: performance.now() - started,
    statusCode: result.statusCode,
    errorCode: (JSON.parse(result.body ?? '{}') as { error?: { code?: string } }).error?.code,
  };
}

const smallEvent = () => signedInvoicePaid(2_000);
const largeEvent = () => signedInvoicePaid(largeEventThresholdBytes + 1);

// The SDK warns that a queue URL's host differs from the emulator endpoint: here that is the point.
const consoleWarn = console.warn;
jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
  if (!String(args[0]).startsWith('QueueUrl=')) consoleWarn(...args);
});

beforeAll(async () => {
  const resources = await createLocalResources(endpoint, settings, {
    signingSecret,
    senderAddress: localSenderAddress,
    nameSuffix: 'time-budget',
  });
  configureHandlerEnvironment(endpoint, resources, settings);
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => {
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.AWS_ENDPOINT_URL_SQS;
});

describe('receiver time budget when SQS or S3 misbehaves', () => {
  it('answers 503 within the enqueue deadline, after every attempt timed out, when SQS or S3 never answers', async () => {
    // Prepare: one handler whose queue hangs; one whose S3 hangs (its queue answers 500 and must not be reached)
    const hangingSqs = await misbehavingEndpoint('hang');
    const hangingS3 = await misbehavingEndpoint('hang');
    const unreachedSqs = await misbehavingEndpoint('error');
    process.env.AWS_ENDPOINT_URL_S3 = hangingS3.url;
    const queueHangs = await loadReceiver(hangingSqs);
    const bucketHangs = await loadReceiver(unreachedSqs);
    // Act: side by side, so that the test waits for one deadline, not two
    const [sqsAnswer, s3Answer] = await Promise.all([
      timedAnswer(queueHangs, smallEvent()),
      timedAnswer(bucketHangs, largeEvent()),
    ]);
    // Assess
    for (const answer of [sqsAnswer, s3Answer]) {
      expect(answer).toMatchObject({ statusCode: 503, errorCode: 'enqueue_failed' });
      // Each attempt gave up after requestTimeoutMs (without throwOnRequestTimeout the first would still be
      // waiting), the third was cut by the deadline, and the answer came well before the function's timeout.
      expect(answer.elapsedMs).toBeGreaterThanOrEqual((maxAttempts - 1) * requestTimeoutMs);
      expect(answer.elapsedMs).toBeLessThan(enqueueDeadlineMs + 1_000);
      expect(answer.elapsedMs).toBeLessThan(settings.receiverTimeoutSeconds * 1000);
    }
    expect(hangingSqs.requests).toHaveLength(maxAttempts);
    expect(hangingS3.requests).toHaveLength(maxAttempts);
    expect(hangingS3.requests).toEqual(Array(maxAttempts).fill('PUT'));
    // S3 never confirmed the body, so no pointer was queued: nothing was acknowledged.
    expect(unreachedSqs.requests).toHaveLength(0);
  });

  it('answers 503 at once, after maxAttempts tries, when SQS or S3 answers 500 every time', async () => {
    // Prepare
    const failingSqs = await misbehavingEndpoint('error');
    const failingS3 = await misbehavingEndpoint('error');
    const unreachedSqs = await misbehavingEndpoint('error');
    process.env.AWS_ENDPOINT_URL_S3 = failingS3.url;
    const queueFails = await loadReceiver(failingSqs);
    const bucketFails = await loadReceiver(unreachedSqs);
    // Act
    const sqsAnswer = await timedAnswer(queueFails, smallEvent());
    const s3Answer = await timedAnswer(bucketFails, largeEvent());
    // Assess
    for (const answer of [sqsAnswer, s3Answer]) {
      expect(answer).toMatchObject({ statusCode: 503, errorCode: 'enqueue_failed' });
      expect(answer.elapsedMs).toBeLessThan(requestTimeoutMs);
    }
    expect(failingSqs.requests).toHaveLength(maxAttempts);
    expect(failingS3.requests).toHaveLength(maxAttempts);
    expect(unreachedSqs.requests).toHaveLength(0);
  });
});
