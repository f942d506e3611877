/**
 * What the local pipeline saw happen to each event: deliveries the endpoint queued and what the
 * consumer then did, printed one timestamped line at a time, and the emails sent, read back from
 * moto's SES store so that only what SES really accepted is shown.
 */
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
  | 'throttled';

export interface LocalEvent {
  readonly id: string;
  readonly type: string;
  status: LocalEventStatus;
  /** Times the consumer ran for this event id. */
  attempts: number;
  /** Times the endpoint accepted this event id. */
  deliveries: number;
}

export interface EventLog {
  /** Prints the line after the current time. */
  print(message: string): void;
  events(): LocalEvent[];
  emails(): Promise<LocalEmail[]>;
  /** Counts a delivery of this event that the receiver queued. */
  recordDelivery(event: { readonly id: string; readonly type: string }): void;
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

/** Starts listening to the consumer's record outcomes. */
export function createEventLog(options: EventLogOptions): EventLog {
  const { maxReceiveCount, retryDelaySeconds } = options;
  const print = (message: string) => options.print(`${time()}  ${message}`);
  const events = new Map<string, LocalEvent>();
  const sentEmails: { eventId: string; email: Omit<LocalEmail, 'eventId' | 'from'> }[] = [];
  const receiveCounts = new Map<string, number>();

  const unsubscribe = options.onRecordOutcome((outcome: RecordOutcome) => {
    const id = outcome.eventId ?? '(unknown)';
    const type = outcome.eventType ?? '(unknown)';
    const event = events.get(id) ?? { id, type, status: 'queued', attempts: 0, deliveries: 0 };
    events.set(id, event);
    event.attempts += 1;
    const receiveCount = receiveCounts.get(outcome.messageId) ?? 1;
    const label = `${type} [${id}]`;
    switch (outcome.status) {
      case 'processed':
        event.status = 'processed';
        print(`✔ processed ${label} (attempt ${receiveCount})`);
        for (const email of outcome.emails) {
          sentEmails.push({ eventId: id, email });
          print(`  ✉ sent "${email.subject}" to ${email.to}`);
        }
        for (const unsent of outcome.unsentEmails) {
          print(`  email to ${unsent.to} not sent: ${unsent.reason}${unsent.code ? ` (${unsent.code})` : ''}`);
        }
        if (outcome.emails.length === 0 && outcome.unsentEmails.length === 0) {
          print(`  no email sent (see the event's data)`);
        }
        break;
      case 'duplicate':
        if (event.status !== 'processed') event.status = 'duplicate';
        print(`= duplicate ${label}: already processed, skipped`);
        break;
      case 'unhandled':
      case 'filtered':
        event.status = outcome.status;
        print(`· ${outcome.status} ${label}: acknowledged, no handler ran`);
        break;
      case 'throttled':
        if (event.status !== 'processed') event.status = 'throttled';
        print(`⧗ SES throttled ${label}: queued again in ${outcome.delaySeconds} s (does not count toward the DLQ)`);
        break;
      case 'failed': {
        const final = receiveCount >= maxReceiveCount;
        if (event.status !== 'processed') event.status = final ? 'dead_lettered' : 'failed';
        const busy = outcome.error.startsWith('EventInProgressError');
        print(
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
    recordDelivery({ id, type }) {
      const event = events.get(id) ?? { id, type, status: 'queued', attempts: 0, deliveries: 0 };
      event.deliveries += 1;
      events.set(id, event);
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
