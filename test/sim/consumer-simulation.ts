import type Stripe from 'stripe';
import { resolveSettings } from '../../config/settings';
import type { ConsumerDependencies, HandlerContext } from '../../functions/consumer/consume-event';
import { sendCheckoutConfirmation, sendInvoiceReceipt } from '../../functions/consumer/emails/built-in-emails';
import { EventRegistry } from '../../functions/consumer/event-registry';
import type { ClaimOptions, IdempotencyStore, StepRecord } from '../../functions/consumer/idempotency-store';
import type { Mailer, OutgoingEmail } from '../../functions/consumer/mailer';
import { processRecord } from '../../functions/consumer/process-record';
import { seededRandom } from '../../tools/measure/seeded-random';
import { buildStripeEvent } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore } from '../../tools/testing/consumer-fakes';

/**
 * A seeded, in-process simulation of the consumer under at-least-once delivery: a virtual SQS queue
 * (visibility timeout, receive counts, redrive to a dead-letter queue, delayed copies), the real
 * `processRecord`/`consumeEvent` and email handlers, and fakes that inject failures of table writes,
 * of SES sends (throttling, errors, "accepted but the answer was lost") and of handlers, and crashes
 * of the whole invocation between steps.
 */

export interface SimulationOptions {
  readonly seed: number;
  readonly events: number;
  /** Share of events delivered twice or more. */
  readonly duplicateShare: number;
  /** Share of events whose handler always fails (they must end in the dead-letter queue). */
  readonly poisonShare: number;
  /** Probabilities, per call. */
  readonly faults: {
    readonly tableWriteFails: number;
    readonly tableWriteLostAnswer: number;
    readonly sesThrottles: number;
    readonly sesFails: number;
    readonly sesLostAnswer: number;
    readonly handlerFails: number;
    readonly crash: number;
  };
  /** Breaks the consumer on purpose (steps are never recorded), to show the checks catch it. */
  readonly sabotageStepRecords?: boolean;
}

export const defaultSimulation: SimulationOptions = {
  seed: 1,
  events: 10_000,
  duplicateShare: 0.2,
  poisonShare: 0.005,
  faults: {
    tableWriteFails: 0.01,
    tableWriteLostAnswer: 0.005,
    sesThrottles: 0.05,
    sesFails: 0.01,
    sesLostAnswer: 0.003,
    handlerFails: 0.01,
    // Per call; one crash ends the whole invocation, so a batch of 10 dies about 5 % of the time.
    crash: 0.001,
  },
};

export interface SimulationReport {
  readonly events: number;
  readonly deliveries: number;
  readonly receives: number;
  readonly throttleRequeues: number;
  readonly retries: number;
  readonly crashes: number;
  readonly done: number;
  readonly poison: number;
  readonly poisonInDeadLetterQueue: number;
  /** Messages of healthy events whose every receive failed for other reasons than throttling (bad luck). */
  readonly healthyInDeadLetterQueue: number;
  /** Healthy events that were never done because all their messages ended in the dead-letter queue. */
  readonly healthyNotDone: number;
  readonly emailsSent: number;
  readonly emailsExpected: number;
  /** Repeated emails, every one explained by a crash window (SES accepted, the step not yet recorded). */
  readonly repeatedEmails: number;
  readonly crashWindows: number;
  readonly virtualSeconds: number;
  /** Every invariant that does not hold; empty when all is well. */
  readonly violations: readonly string[];
}

class SimulatedCrashError extends Error {
  constructor(where: string) {
    super(`simulated crash ${where}`);
    this.name = 'SimulatedCrashError';
  }
}
class InjectedFailureError extends Error {
  constructor(what: string) {
    super(`injected failure: ${what}`);
    this.name = 'InjectedFailureError';
  }
}
class ThrottlingError extends Error {
  constructor() {
    super('Maximum sending rate exceeded.');
    this.name = 'Throttling';
  }
}

interface QueuedMessage {
  readonly eventId: string;
  readonly body: string;
  readonly throttleRetries: number;
  receiveCount: number;
  /** Receives of this message that ended in a failure (not in a throttling requeue). */
  failures: number;
  visibleAt: number;
}

export async function runConsumerSimulation(options: SimulationOptions = defaultSimulation): Promise<SimulationReport> {
  const rand = seededRandom(options.seed);
  const chance = (p: number) => rand() < p;
  const settings = resolveSettings({ stage: 'sim' });
  const { faults } = options;
  let clock = 1_800_000_000_000; // virtual milliseconds
  let crashing = false;
  let crashes = 0;

  /**
   * Crash windows per `eventId|step`: SES accepted the email but the step was not recorded (the
   * answer was lost, the invocation died, or the step write failed), so a retry sends it again.
   */
  const crashWindows = new Map<string, number>();
  const openWindow = (key: string) => crashWindows.set(key, (crashWindows.get(key) ?? 0) + 1);
  const sends = new Map<string, number>();
  let currentEventId = '';

  /** The idempotency table, failing like a network call: before the write, or after it (answer lost). */
  const table = new InMemoryIdempotencyStore();
  function faulty<T>(operation: string, write: () => Promise<T>): Promise<T> {
    return (async () => {
      if (chance(faults.tableWriteFails)) throw new InjectedFailureError(`table ${operation}`);
      const result = await write();
      if (chance(faults.tableWriteLostAnswer)) throw new InjectedFailureError(`table ${operation} answer lost`);
      if (operation !== 'release' && chance(faults.crash)) {
        crashing = true;
        throw new SimulatedCrashError(`after table ${operation}`);
      }
      return result;
    })();
  }
  const store: IdempotencyStore = {
    claim: (eventId: string, claimOptions: ClaimOptions) => faulty('claim', () => table.claim(eventId, claimOptions)),
    async recordStep(eventId: string, token: string, step: string, record: StepRecord) {
      // The step's effect already happened: a write that fails before it lands opens a crash window.
      if (chance(faults.tableWriteFails)) {
        openWindow(`${eventId}|${step}`);
        throw new InjectedFailureError('table recordStep');
      }
      if (!options.sabotageStepRecords) await table.recordStep(eventId, token, step, record);
      if (chance(faults.tableWriteLostAnswer)) throw new InjectedFailureError('table recordStep answer lost');
      if (chance(faults.crash)) {
        crashing = true;
        throw new SimulatedCrashError('after table recordStep');
      }
    },
    complete: (eventId, token, completeOptions) =>
      faulty('complete', () => table.complete(eventId, token, completeOptions)),
    // A crashed invocation runs no more code: it cannot release its claim.
    release: (eventId, token) =>
      crashing ? Promise.resolve() : faulty('release', () => table.release(eventId, token)),
    lastApplied: (objectId) => table.lastApplied(objectId),
    markApplied: (objectId, created) => table.markApplied(objectId, created),
  };

  const mailer: Mailer = {
    async send(email: OutgoingEmail) {
      if (chance(faults.sesThrottles)) throw new ThrottlingError();
      if (chance(faults.sesFails)) throw new InjectedFailureError('SES send');
      const key = `${currentEventId}|${email.to}`;
      sends.set(key, (sends.get(key) ?? 0) + 1);
      const messageId = `ses-${sends.size}-${sends.get(key)}`;
      const windowKey = `${currentEventId}|email:${email.to}`;
      if (chance(faults.sesLostAnswer)) {
        openWindow(windowKey);
        throw new InjectedFailureError('SES accepted, answer lost');
      }
      if (chance(faults.crash)) {
        openWindow(windowKey);
        crashing = true;
        throw new SimulatedCrashError('after SES accepted');
      }
      return { messageId };
    },
  };

  // Events: receipts, checkout confirmations, and receipts that also notify finance (two steps).
  const poison = new Set<string>();
  const twoEmails = new Set<string>();
  const expectedEmails = new Map<string, string[]>();
  const bodies: { eventId: string; body: string }[] = [];
  for (let i = 0; i < options.events; i++) {
    const email = `customer-${i}@example.com`;
    const event: Stripe.Event =
      i % 4 === 3
        ? buildStripeEvent('checkout.session.completed', { id: `evt_sim_${i}`, email })
        : buildStripeEvent('invoice.paid', { id: `evt_sim_${i}`, email });
    if (chance(options.poisonShare)) poison.add(event.id);
    if (event.type === 'invoice.paid' && i % 3 === 0) twoEmails.add(event.id);
    expectedEmails.set(event.id, twoEmails.has(event.id) ? [email, 'finance@example.com'] : [email]);
    bodies.push({ eventId: event.id, body: JSON.stringify(event) });
  }

  const registry = new EventRegistry<HandlerContext>()
    .on('invoice.paid', async (event, context) => {
      if (poison.has(event.id)) throw new InjectedFailureError('poison event');
      if (chance(faults.handlerFails)) throw new InjectedFailureError('handler');
      await sendInvoiceReceipt(event, context);
      if (twoEmails.has(event.id)) {
        await context.sendEmail({ to: 'finance@example.com', subject: 'Payment received', text: 't', html: 'h' });
      }
    })
    .on('checkout.session.completed', async (event, context) => {
      if (poison.has(event.id)) throw new InjectedFailureError('poison event');
      if (chance(faults.handlerFails)) throw new InjectedFailureError('handler');
      await sendCheckoutConfirmation(event, context);
    });

  const deps: ConsumerDependencies = {
    registry,
    store,
    mailer,
    now: () => new Date(clock),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    inProgressExpirySeconds: settings.inProgressExpirySeconds,
    retentionDays: settings.idempotencyRetentionDays,
  };

  // Deliveries: every event once, a share of them again (up to 3 times), spread over virtual time.
  const queue: QueuedMessage[] = [];
  const deadLetters: QueuedMessage[] = [];
  let deliveries = 0;
  for (const { eventId, body } of bodies) {
    const copies = chance(options.duplicateShare) ? 2 + Math.floor(rand() * 2) : 1;
    for (let copy = 0; copy < copies; copy++) {
      queue.push({
        eventId,
        body,
        throttleRetries: 0,
        receiveCount: 0,
        failures: 0,
        visibleAt: clock + Math.floor(rand() * 600_000),
      });
      deliveries += 1;
    }
  }

  let receives = 0;
  let throttleRequeues = 0;
  let retries = 0;
  const visibilityMs = settings.visibilityTimeoutSeconds * 1000;

  while (queue.length > 0) {
    const visible = queue.filter((message) => message.visibleAt <= clock).slice(0, settings.consumerBatchSize);
    if (visible.length === 0) {
      clock = Math.min(...queue.map((message) => message.visibleAt));
      continue;
    }
    // Receiving: SQS moves a message past maxReceiveCount to the dead-letter queue instead.
    const batch: QueuedMessage[] = [];
    for (const message of visible) {
      if (message.receiveCount >= settings.maxReceiveCount) {
        queue.splice(queue.indexOf(message), 1);
        deadLetters.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = clock + visibilityMs;
      receives += 1;
      batch.push(message);
    }
    const invocationStart = clock;
    crashing = false;
    const acknowledged: QueuedMessage[] = [];
    for (const message of batch) {
      currentEventId = message.eventId;
      clock += 50 + Math.floor(rand() * 150);
      const decision = await processRecord(message.body, message.throttleRetries, deps, {
        remainingTimeMs: settings.consumerTimeoutSeconds * 1000 - (clock - invocationStart),
      });
      if (crashing) {
        // The invocation died: nothing of this batch is deleted; the claim stays until it expires.
        crashes += 1;
        break;
      }
      if (decision.kind === 'done') acknowledged.push(message);
      if (decision.kind === 'retry') {
        retries += 1;
        message.failures += 1;
      }
      if (decision.kind === 'requeue') {
        throttleRequeues += 1;
        queue.push({
          eventId: message.eventId,
          body: message.body,
          throttleRetries: decision.throttleRetries,
          receiveCount: 0,
          failures: 0,
          visibleAt: clock + decision.delaySeconds * 1000,
        });
        acknowledged.push(message);
      }
    }
    if (crashing) {
      for (const message of batch) message.failures += 1;
      continue;
    }
    for (const message of acknowledged) queue.splice(queue.indexOf(message), 1);
  }

  // What must hold.
  const violations: string[] = [];
  let done = 0;
  let emailsSent = 0;
  let emailsExpected = 0;
  let repeatedEmails = 0;
  let windows = 0;
  const deadIds = new Set(deadLetters.map((message) => message.eventId));
  let healthyDead = 0;
  let healthyNotDone = 0;
  for (const message of deadLetters) {
    if (poison.has(message.eventId)) continue;
    // Only bad luck may put a healthy event's message there: every one of its receives failed.
    if (message.failures < settings.maxReceiveCount) {
      violations.push(`${message.eventId}: a message in the dead-letter queue after ${message.failures} failures`);
    }
    healthyDead += 1;
  }
  for (const { eventId } of bodies) {
    const completed = table.items.get(eventId)?.status === 'COMPLETED';
    const expected = expectedEmails.get(eventId) ?? [];
    if (completed) done += 1;
    for (const to of expected) {
      const sent = sends.get(`${eventId}|${to}`) ?? 0;
      const window = crashWindows.get(`${eventId}|email:${to}`) ?? 0;
      emailsSent += sent;
      windows += window;
      if (completed) {
        emailsExpected += 1;
        repeatedEmails += sent - 1;
        if (sent !== 1 + window) violations.push(`${eventId}: ${sent} emails to ${to}, with ${window} crash windows`);
      }
    }
    if (poison.has(eventId)) {
      if (completed) violations.push(`poison ${eventId} completed`);
      if (!deadIds.has(eventId)) violations.push(`poison ${eventId} is not in the dead-letter queue`);
      if (expected.some((to) => (sends.get(`${eventId}|${to}`) ?? 0) > 0))
        violations.push(`poison ${eventId} sent email`);
    } else if (!completed) {
      if (deadIds.has(eventId)) healthyNotDone += 1;
      else violations.push(`${eventId} lost: neither done nor in the dead-letter queue`);
    }
  }
  if (queue.length > 0) violations.push(`${queue.length} messages left in the queue`);
  return {
    events: options.events,
    deliveries,
    receives,
    throttleRequeues,
    retries,
    crashes,
    done,
    poison: poison.size,
    poisonInDeadLetterQueue: [...poison].filter((id) => deadIds.has(id)).length,
    healthyInDeadLetterQueue: healthyDead,
    healthyNotDone,
    emailsSent,
    emailsExpected,
    repeatedEmails,
    crashWindows: windows,
    virtualSeconds: Math.round((clock - 1_800_000_000_000) / 1000),
    violations,
  };
}
