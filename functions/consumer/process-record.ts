import { type ConsumeOptions, type ConsumerDependencies, consumeEvent, type EventOutcome } from './consume-event';
import { rootCause } from './handler-failure';
import { SendRateExceededError } from './paced-mailer';

/** What to do with one queued record after the consumer ran it. */
export type RecordDecision =
  /** Done (processed, duplicate, unhandled or filtered): delete the message. */
  | { readonly kind: 'done'; readonly outcome: EventOutcome }
  /** Failed: report it in `batchItemFailures`, so SQS redelivers it and counts toward the dead-letter queue. */
  | { readonly kind: 'retry'; readonly error: unknown }
  /**
   * SES throttled the send: put a copy back on the queue after `delaySeconds` and delete this one.
   * SQS counts every receive toward `maxReceiveCount`, so a plain retry would let throttling push a
   * healthy event into the dead-letter queue; a fresh copy starts from zero.
   */
  | {
      readonly kind: 'requeue';
      readonly delaySeconds: number;
      readonly throttleRetries: number;
      readonly error: unknown;
    };

const throttlingNames = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);

/** SES says "slow down" (sending rate or daily quota exceeded), as opposed to "this send is wrong". */
export function isThrottlingError(given: unknown): boolean {
  // A handler's send that was throttled arrives wrapped with the handler's name: the cause decides.
  const error = rootCause(given);
  if (!(error instanceof Error)) return false;
  if (error instanceof SendRateExceededError || throttlingNames.has(error.name)) return true;
  return /maximum sending rate exceeded|daily message quota exceeded/i.test(error.message);
}

/** Delay before a throttled event is tried again: 10 s, doubling, capped at SQS's 15-minute maximum. */
export function throttleDelaySeconds(throttleRetries: number): number {
  return Math.min(900, 10 * 2 ** Math.min(throttleRetries, 7));
}

export async function processRecord(
  body: string,
  throttleRetries: number,
  deps: ConsumerDependencies,
  options: ConsumeOptions = {},
): Promise<RecordDecision> {
  try {
    return { kind: 'done', outcome: await consumeEvent(body, deps, options) };
  } catch (error) {
    if (isThrottlingError(error)) {
      return {
        kind: 'requeue',
        delaySeconds: throttleDelaySeconds(throttleRetries),
        throttleRetries: throttleRetries + 1,
        // SES's own error: a throttled send is no handler's failure.
        error: rootCause(error),
      };
    }
    return { kind: 'retry', error };
  }
}
