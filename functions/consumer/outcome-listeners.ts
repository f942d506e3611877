import type { EventOutcome } from './consume-event';

export type RecordOutcome =
  | (EventOutcome & { readonly messageId: string })
  | {
      readonly status: 'failed';
      readonly messageId: string;
      readonly eventId?: string;
      readonly eventType?: string;
      readonly error: string;
      /** The last attempt: the consumer put the event on the dead-letter queue itself, with this error as its reason. */
      readonly deadLettered?: boolean;
    }
  | {
      readonly status: 'throttled';
      readonly messageId: string;
      readonly eventId?: string;
      readonly eventType?: string;
      readonly delaySeconds: number;
    };

type Listener = (outcome: RecordOutcome) => void;
const listeners = new Set<Listener>();

/**
 * Lets the local pipeline (`npm start`) watch what the real consumer handler did with each record.
 * Nothing subscribes in AWS, where logs carry the same information.
 */
export function onRecordOutcome(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function notifyRecordOutcome(outcome: RecordOutcome): void {
  for (const listener of listeners) listener(outcome);
}
