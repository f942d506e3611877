/**
 * The receiver's Lambda wrapper (createApiGatewayHandler) with the real Powertools logger and
 * metrics: per-invocation flush, the request id on log lines, and a bug answered without a stack.
 */
import { booleanSetting, InvalidSettingError } from '../../config/settings';
import { createApiGatewayHandler } from '../../functions/receiver/api-gateway-handler';
import { createReceiverMetrics } from '../../functions/receiver/receiver-metrics';
import { computeSignature } from '../../functions/receiver/stripe-signature';
import { largeEventThresholdBytes, receiverLimits } from '../../functions/receiver/tuning';
import { createLogger } from '../../functions/shared/logger';
import { buildHttpApiEvent } from '../../tools/receiver-events';
import { captureStdio, stackTracePattern } from '../support/receiver-fakes';

const secret = 'whsec_receiver_handler_test_secret';
const now = new Date('2026-11-22T10:00:00Z');
const body = JSON.stringify({ id: 'evt_handler', object: 'event', type: 'invoice.paid', data: { object: {} } });
const signature = `t=${now.getTime() / 1000},v1=${computeSignature(Buffer.from(body), now.getTime() / 1000, secret).toString('hex')}`;

const savedEnv = { ...process.env };
let stdio: ReturnType<typeof captureStdio>;

beforeEach(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  stdio = captureStdio();
});

afterEach(() => {
  stdio.restore();
  process.env = { ...savedEnv };
});

function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function handlerWith(enqueue: () => Promise<void>) {
  return createApiGatewayHandler(
    { signingSecrets: async () => [secret], enqueue, now: () => now, toleranceSeconds: 300 },
    { logger: createLogger('stripe-webhook-receiver'), metrics: createReceiverMetrics('test') },
  );
}

describe('createApiGatewayHandler', () => {
  it('publishes the metrics of each invocation before it returns, with service, stage and request id', async () => {
    // Prepare
    const handler = handlerWith(async () => undefined);
    const event = buildHttpApiEvent(body, signature, now);
    // Act
    const first = await handler(event);
    const afterFirst = jsonLines(stdio.output());
    await handler(buildHttpApiEvent(body, 't=1,v1=00', now));
    const afterSecond = jsonLines(stdio.output());
    // Assess
    expect(first.statusCode).toBe(200);
    expect(afterFirst).toContainEqual(
      expect.objectContaining({ Accepted: 1, service: 'stripe-webhook-receiver', stage: 'test' }),
    );
    expect(afterFirst).toContainEqual(
      expect.objectContaining({ message: 'Accepted webhook', requestId: event.requestContext.requestId }),
    );
    const emf = afterFirst.find((line) => line.Accepted === 1) as { _aws: { CloudWatchMetrics: unknown[] } };
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'StripeWebhooks',
        Dimensions: [['service', 'stage']],
        Metrics: [{ Name: 'Accepted', Unit: 'Count' }],
      },
    ]);
    const secondMetrics = afterSecond.slice(afterFirst.length).filter((line) => '_aws' in line);
    expect(secondMetrics).toEqual([
      expect.objectContaining({ Rejected: 1, reason: 'signature_mismatch' }),
      expect.not.objectContaining({ reason: expect.anything() }),
    ]);
    expect(secondMetrics.some((line) => 'Accepted' in line)).toBe(false);
  });

  it('answers an unexpected error with a JSON 500 that Stripe retries, without a stack trace', async () => {
    // Prepare: a dependency that fails in a way the core does not expect
    const handler = createApiGatewayHandler(
      {
        signingSecrets: async () => [secret],
        enqueue: async () => undefined,
        isSubscribed: () => {
          throw new TypeError('registry exploded (injected)');
        },
        now: () => now,
        toleranceSeconds: 300,
      },
      { logger: createLogger('stripe-webhook-receiver'), metrics: createReceiverMetrics('test') },
    );
    // Act
    const response = await handler(buildHttpApiEvent(body, signature, now));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'internal_error', message: expect.stringContaining('Stripe will retry') },
    });
    expect(response.body).not.toMatch(stackTracePattern);
    expect(jsonLines(stdio.output())).toContainEqual(expect.objectContaining({ InternalError: 1 }));
  });

  it('writes no metrics when POWERTOOLS_METRICS_DISABLED is set, as the local tools do', async () => {
    // Prepare
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const handler = handlerWith(async () => undefined);
    // Act
    const response = await handler(buildHttpApiEvent(body, signature, now));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(stdio.output()).toBe('');
  });
});

describe('receiver settings', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['true', true],
    [' TRUE ', true],
    ['false', false],
    [true, true],
    [false, false],
  ])('reads %j as %s', (value, expected) => {
    expect(booleanSetting('stripeIpAllowlist', value, false)).toBe(expected);
  });

  it.each(['yes', '1', 'on', 1])('refuses %j rather than guess', (value) => {
    expect(() => booleanSetting('stripeIpAllowlist', value, false)).toThrow(InvalidSettingError);
  });

  it('keeps the body limit between the large-event threshold and what Lambda can receive', () => {
    // Bodies above the threshold go to S3, so the receiver must take them; Lambda's synchronous
    // payload limit (6 MB, the whole event) is the hard ceiling.
    expect(receiverLimits.maxBodyBytes).toBeGreaterThan(largeEventThresholdBytes);
    expect(receiverLimits.maxBodyBytes).toBeLessThan(6_000_000);
  });
});
