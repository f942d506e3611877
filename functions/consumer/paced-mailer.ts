import type { Mailer, OutgoingEmail, SendOptions } from './mailer';

/**
 * The instance's share of the SES sending rate is used up for longer than the invocation has left.
 * Handled like SES throttling: the event goes back to the queue with a delay, not toward the DLQ.
 */
export class SendRateExceededError extends Error {
  constructor(waitMs: number) {
    super(`The next email may only be sent in ${waitMs} ms, after this invocation ends; the event is queued again.`);
    this.name = 'SendRateExceededError';
  }
}

export interface PacingClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realClock: PacingClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Spaces this instance's sends at least `intervalMs` apart, so that all instances together
 * (`maxConcurrency` of them) stay under the account's SES rate instead of being throttled.
 * Each send's `deadlineMs` tells when waiting no longer makes sense (the invocation's end, less a margin).
 */
export function pacedMailer(mailer: Mailer, intervalMs: number, clock: PacingClock = realClock): Mailer {
  let nextSendAt = 0;
  return {
    async send(email: OutgoingEmail, options?: SendOptions) {
      const now = clock.now();
      const sendAt = Math.max(now, nextSendAt);
      if (sendAt > (options?.deadlineMs ?? Number.POSITIVE_INFINITY)) throw new SendRateExceededError(sendAt - now);
      nextSendAt = sendAt + intervalMs;
      if (sendAt > now) await clock.sleep(sendAt - now);
      return mailer.send(email, options);
    },
  };
}
