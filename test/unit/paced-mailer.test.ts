import type { OutgoingEmail } from '../../functions/consumer/mailer';
import { pacedMailer, SendRateExceededError } from '../../functions/consumer/paced-mailer';
import { isThrottlingError, processRecord, throttleDelaySeconds } from '../../functions/consumer/process-record';

const email: OutgoingEmail = { to: 'customer@example.com', subject: 's', text: 't', html: 'h' };

function virtualClock() {
  let now = 0;
  const sends: number[] = [];
  return {
    clock: {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    },
    mailer: {
      send: async () => {
        sends.push(now);
        return { messageId: `m-${sends.length}` };
      },
    },
    sends,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('pacedMailer', () => {
  it('spaces one instance’s sends at least the interval apart', async () => {
    // Prepare
    const { clock, mailer, sends, advance } = virtualClock();
    const paced = pacedMailer(mailer, 500, clock);
    // Act
    await paced.send(email);
    await paced.send(email);
    advance(2_000);
    await paced.send(email);
    await paced.send(email);
    // Assess
    expect(sends).toEqual([0, 500, 2_500, 3_000]);
  });

  it('refuses, as a rate error, a send it would have to delay past the deadline', async () => {
    // Prepare
    const { clock, mailer, sends } = virtualClock();
    const paced = pacedMailer(mailer, 10_000, clock);
    await paced.send(email, { deadlineMs: 5_000 });
    // Act / Assess
    await expect(paced.send(email, { deadlineMs: 5_000 })).rejects.toThrow(SendRateExceededError);
    expect(sends).toEqual([0]);
  });
});

describe('throttling', () => {
  it.each([
    [Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' }), true],
    [new Error('Daily message quota exceeded.'), true],
    [new SendRateExceededError(100), true],
    [Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }), false],
    ['Throttling', false],
  ])('classifies %p as throttling: %p', (error, expected) => {
    expect(isThrottlingError(error)).toBe(expected);
  });

  it('backs off 10 s, doubling, up to SQS’s 15-minute delay limit', () => {
    expect([0, 1, 2, 5, 6, 7, 20].map(throttleDelaySeconds)).toEqual([10, 20, 40, 320, 640, 900, 900]);
  });

  it('turns a throttled send into a requeue decision with one more retry', async () => {
    // Prepare
    const { EventRegistry } = await import('../../functions/consumer/event-registry');
    const { InMemoryIdempotencyStore } = await import('../../tools/testing/consumer-fakes');
    const registry = new EventRegistry<import('../../functions/consumer/consume-event').HandlerContext>().on(
      'invoice.paid',
      async (_event, context) => context.sendEmail(email),
    );
    const throttled = Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' });
    const deps = {
      registry,
      store: new InMemoryIdempotencyStore(),
      mailer: {
        send: async () => {
          throw throttled;
        },
      },
      now: () => new Date(0),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      inProgressExpirySeconds: 60,
      retentionDays: 30,
    };
    const body = JSON.stringify({
      id: 'evt_test_throttled',
      object: 'event',
      type: 'invoice.paid',
      data: { object: {} },
    });
    // Act
    const decision = await processRecord(body, 2, deps);
    // Assess
    expect(decision).toEqual({ kind: 'requeue', delaySeconds: 40, throttleRetries: 3, error: throttled });
  });
});
