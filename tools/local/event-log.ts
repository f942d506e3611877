/**
 * What the local pipeline saw happen to each event: deliveries the endpoint queued and what the
 * consumer then did, printed one timestamped line at a time, and the emails sent, read back from
 * moto's SES store so that only what SES really accepted is shown.
 */
import type { UnsentEmail } from '../../functions/consumer/consume-event';
import type { RecordOutcome } from '../../functions/consumer/outcome-listeners';
import type { LambdaHandlers } from './boot';

export interface LocalEmail {
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly eventId: string;
  readonly messageId: string;
}

export type LocalEventStatus =
  | 'queued'
  | 'processed'
  | 'duplicate'
  | 'unhandled'
  | 'filtered'
  | 'failed'
  | 'dead_lettered'
  | 'throttled'
  /** Acknowledged with 200 and not queued: no handler subscribes to its type (or, via EventBridge, the rule did not match). */
  | 'ignored';

export interface LocalEvent {
  readonly id: string;
  readonly type: string;
  status: LocalEventStatus;
  /** Times the consumer ran for this event id. */
  attempts: number;
  /** Times the endpoint accepted this event id. */
  deliveries: number;
  /** When the pipeline first saw it (ISO). */
  readonly receivedAt: string;
  /** How it last arrived: posted to /webhook, or through the EventBridge rule. */
  delivery: 'webhook' | 'eventbridge';
  /** A snapshot event (the object in `data.object`) or a thin event (`related_object` only). */
  payload: 'snapshot' | 'thin';
}

/** One thing that happened to an event, as the console lists it. */
export interface LocalEventStep {
  readonly at: string;
  /** `received`, `ignored`, or the consumer's outcome (`processed`, `failed`, ...). */
  readonly outcome: string;
  readonly message: string;
}

/** What the console shows of one event: the summary, the body as last delivered, and every step. */
export interface LocalEventDetail {
  readonly event: LocalEvent;
  /** The body as the endpoint received it (for EventBridge, the envelope). */
  readonly body: string | undefined;
  readonly steps: readonly LocalEventStep[];
  /** Emails the consumer did not send for it: the recipient was suppressed, or SES refused the email for good. */
  readonly unsentEmails: readonly UnsentEmail[];
}

/** A delivery the endpoint accepted; `body` is kept so that the console can show and resend it. */
export interface RecordedDelivery {
  readonly id: string;
  readonly type: string;
  readonly body?: string;
  /** @default 'webhook' */
  readonly delivery?: 'webhook' | 'eventbridge';
  /** Answered 200 but not queued: no subscriber (or no rule match), with why. */
  readonly ignored?: string;
}

export interface EventLog {
  /** Prints the line after the current time. */
  print(message: string): void;
  events(): LocalEvent[];
  /** The event with its body and steps; `undefined` for an id never seen. */
  detail(id: string): LocalEventDetail | undefined;
  emails(): Promise<LocalEmail[]>;
  /** Counts a delivery of this event that the receiver queued (or acknowledged and ignored). */
  recordDelivery(event: RecordedDelivery): void;
  /** SQS's receive count for a message being processed, so that its outcome shows which attempt it was. */
  noteReceiveCount(messageId: string, receiveCount: number): void;
  forgetReceiveCount(messageId: string): void;
  /** Stops listening to the consumer. */
  stop(): void;
}

export interface EventLogOptions {
  /** Receives each printed line. */
  readonly print: (line: string) => void;
  readonly onRecordOutcome: LambdaHandlers['onRecordOutcome'];
  readonly maxReceiveCount: number;
  /** The queue's visibility timeout: how long a failed event waits for its retry. */
  readonly retryDelaySeconds: number;
  readonly emulatorEndpoint: string;
  readonly senderAddress: string;
}

const time = () => new Date().toISOString().slice(11, 19);

/**
 * What happened before the queue, per path: /webhook checks the Stripe signature before queuing; an
 * EventBridge event carries no signature and the rule puts it on the queue as it came, so its step claims no check.
 */
const receivedAndQueued: Record<'webhook' | 'eventbridge', string> = {
  webhook: 'signature verified and queued',
  eventbridge: 'received from EventBridge and queued',
};

/** Starts listening to the consumer's record outcomes. */
export function createEventLog(options: EventLogOptions): EventLog {
  const { maxReceiveCount, retryDelaySeconds } = options;
  const print = (message: string) => options.print(`${time()}  ${message}`);
  const events = new Map<string, LocalEvent>();
  const bodies = new Map<string, string>();
  const steps = new Map<string, LocalEventStep[]>();
  const newEvent = (id: string, type: string): LocalEvent => ({
    id,
    type,
    status: 'queued',
    attempts: 0,
    deliveries: 0,
    receivedAt: new Date().toISOString(),
    delivery: 'webhook',
    payload: type.startsWith('v1.') || type.startsWith('v2.') ? 'thin' : 'snapshot',
  });
  /** Prints the line and keeps it as one of the event's steps. */
  const step = (id: string, outcome: string, message: string) => {
    const list = steps.get(id) ?? [];
    list.push({ at: new Date().toISOString(), outcome, message: message.trim() });
    steps.set(id, list);
    print(message);
  };
  const sentEmails: { eventId: string; email: Omit<LocalEmail, 'eventId' | 'from'> }[] = [];
  const unsent = new Map<string, UnsentEmail[]>();
  const receiveCounts = new Map<string, number>();

  const unsubscribe = options.onRecordOutcome((outcome: RecordOutcome) => {
    const id = outcome.eventId ?? '(unknown)';
    const type = outcome.eventType ?? '(unknown)';
    const event = events.get(id) ?? newEvent(id, type);
    events.set(id, event);
    event.attempts += 1;
    if ('payload' in outcome && outcome.payload === 'thin') event.payload = 'thin';
    if ('delivery' in outcome && outcome.delivery === 'eventbridge') event.delivery = 'eventbridge';
    const note = (message: string) => step(id, outcome.status, message);
    const receiveCount = receiveCounts.get(outcome.messageId) ?? 1;
    const label = `${type} [${id}]`;
    switch (outcome.status) {
      case 'processed':
        event.status = 'processed';
        note(`✔ processed ${label} (attempt ${receiveCount})`);
        for (const email of outcome.emails) {
          sentEmails.push({ eventId: id, email });
          note(`  ✉ sent "${email.subject}" to ${email.to}`);
        }
        for (const email of outcome.unsentEmails) {
          unsent.set(id, [...(unsent.get(id) ?? []), email]);
          note(`  email to ${email.to} not sent: ${email.reason}${email.code ? ` (${email.code})` : ''}`);
        }
        if (outcome.emails.length === 0 && outcome.unsentEmails.length === 0) {
          note(`  no email sent (see the event's data)`);
        }
        break;
      case 'duplicate':
        if (event.status !== 'processed') event.status = 'duplicate';
        note(`= duplicate ${label}: already processed, skipped`);
        break;
      case 'unhandled':
      case 'filtered':
        event.status = outcome.status;
        note(`· ${outcome.status} ${label}: acknowledged, no handler ran`);
        break;
      case 'throttled':
        if (event.status !== 'processed') event.status = 'throttled';
        note(`⧗ SES throttled ${label}: queued again in ${outcome.delaySeconds} s (does not count toward the DLQ)`);
        break;
      case 'failed': {
        const final = receiveCount >= maxReceiveCount;
        if (event.status !== 'processed') event.status = final ? 'dead_lettered' : 'failed';
        const busy = outcome.error.startsWith('EventInProgressError');
        note(
          busy
            ? `⧗ ${label} is being processed by another attempt; this copy is retried after ${retryDelaySeconds} s`
            : `✖ failed ${label} (attempt ${receiveCount} of ${maxReceiveCount}): ${outcome.error}` +
                (final ? ' → dead-letter queue' : ` → retried after ${retryDelaySeconds} s`),
        );
        break;
      }
    }
  });

  return {
    print,
    events: () => [...events.values()],
    detail(id) {
      const event = events.get(id);
      return event && { event, body: bodies.get(id), steps: steps.get(id) ?? [], unsentEmails: unsent.get(id) ?? [] };
    },
    async emails() {
      const accepted = await sesAcceptedMessageIds(options.emulatorEndpoint);
      return sentEmails
        .filter(({ email }) => accepted === undefined || accepted.has(email.messageId))
        .map(({ eventId, email }) => ({
          to: email.to,
          from: options.senderAddress,
          subject: email.subject,
          text: email.text,
          html: email.html,
          eventId,
          messageId: email.messageId,
        }));
    },
    recordDelivery({ id, type, body, delivery = 'webhook', ignored }) {
      const event = events.get(id) ?? newEvent(id, type);
      event.deliveries += 1;
      event.delivery = delivery;
      if (ignored !== undefined && event.attempts === 0) event.status = 'ignored';
      events.set(id, event);
      if (body !== undefined) bodies.set(id, body);
      const list = steps.get(id) ?? [];
      list.push({
        at: new Date().toISOString(),
        outcome: ignored === undefined ? 'received' : 'ignored',
        message:
          ignored === undefined
            ? `delivery ${event.deliveries} via ${delivery}: ${receivedAndQueued[delivery]}`
            : `delivery ${event.deliveries} via ${delivery}: answered 200, not queued (${ignored})`,
      });
      steps.set(id, list);
    },
    noteReceiveCount: (messageId, receiveCount) => {
      receiveCounts.set(messageId, receiveCount);
    },
    forgetReceiveCount: (messageId) => {
      receiveCounts.delete(messageId);
    },
    stop: () => {
      unsubscribe();
    },
  };
}

/**
 * Message ids that moto's SES accepted, read back from moto's own store; `undefined` when the
 * emulator does not expose one (LocalStack), in which case what the consumer recorded is shown.
 */
async function sesAcceptedMessageIds(endpoint: string): Promise<Set<string> | undefined> {
  try {
    const response = await fetch(`${endpoint}/moto-api/data.json`);
    if (!response.ok) return undefined;
    const data = (await response.json()) as { ses?: { Message?: { id: string }[] } };
    return new Set((data.ses?.Message ?? []).map((message) => message.id));
  } catch {
    return undefined;
  }
}
