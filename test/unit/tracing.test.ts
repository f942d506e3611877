import { SQSClient } from '@aws-sdk/client-sqs';
import { createTracing, noTracing } from '../../functions/shared/tracing';

describe('tracing (Powertools Tracer, opt-in)', () => {
  it('is off unless POWERTOOLS_TRACE_ENABLED=true: clients stay as they are and work runs unchanged', async () => {
    // Act
    const tracing = createTracing('stripe-webhook-receiver', {});
    const client = new SQSClient({ region: 'us-east-1' });
    // Assess
    expect(tracing).toBe(noTracing);
    expect(tracing.captureClient(client)).toBe(client);
    expect(
      await tracing.inSubsegment('## record', async (annotate) => {
        annotate('eventId', 'evt_1');
        return 42;
      }),
    ).toBe(42);
    client.destroy();
  });

  it('with POWERTOOLS_TRACE_ENABLED=true loads the Tracer, captures AWS clients, and still runs the work outside Lambda', async () => {
    // Act
    const tracing = createTracing('stripe-webhook-consumer', { POWERTOOLS_TRACE_ENABLED: 'true' });
    const client = new SQSClient({ region: 'us-east-1' });
    const captured = tracing.captureClient(client);
    // Assess: a Tracer, not the no-op; outside Lambda it records nothing, and the work's result and errors pass through
    expect(tracing).not.toBe(noTracing);
    expect(captured).toBe(client);
    expect(
      await tracing.inSubsegment('## record', async (annotate) => {
        annotate('eventId', 'evt_1');
        return 'done';
      }),
    ).toBe('done');
    await expect(
      tracing.inSubsegment('## record', async () => {
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    client.destroy();
  });
});
