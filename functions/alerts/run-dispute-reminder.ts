/**
 * The dispute deadline reminder, when its schedule fires: reads the dispute from Stripe's API as it is
 * now and alerts only if it still needs a response (`needs_response`, `warning_needs_response`; issue 24).
 * A dispute answered meanwhile (`under_review`...), won or lost is left alone. The pure core both the
 * reminder function (`reminder-handler.ts`) and the local pipeline call.
 *
 * No step ledger here: a reminder is one invocation per schedule. If a destination fails, the others are
 * still sent to and then the error is thrown, so that Lambda retries the invocation (the asynchronous
 * invoke's own retries); a destination that had taken the alert may get it twice then, the price of not
 * losing a deadline.
 */
import { errorSummary } from '../shared/errors';
import type { LoggerPort } from '../shared/logger';
import type { DimensionedCounter } from '../shared/metrics';
import { type StripeApi, StripeObjectNotFoundError } from '../shared/stripe-api/port';
import type { AlertDestination, DisputeReminderInput } from './alert-ports';
import { recordOf, textOf } from './alert-text';
import { AlertDeliveryError } from './business-alerts-service';
import { disputeDeadlineAlert, disputeStatusesNeedingResponse } from './dispute-alerts';

export type DisputeReminderResult = 'alerted' | 'answered' | 'not_found';

export interface DisputeReminderDeps {
  /** Reads the dispute (`retrieveDispute`), as the dispute's connected account when the input names one. */
  readonly stripe: Pick<StripeApi, 'retrieveDispute'>;
  readonly destinations: readonly AlertDestination[];
  readonly now: () => Date;
  readonly logger: LoggerPort;
  readonly metrics: DimensionedCounter;
}

export class InvalidDisputeReminderInputError extends Error {
  constructor(problem: string) {
    super(
      `Invalid dispute reminder input: ${problem}. The schedule's input must be JSON ` +
        '{"disputeId":"dp_...","eventId":"evt_...","account":"acct_..."} (account only for a connected account), as the consumer writes it.',
    );
    this.name = 'InvalidDisputeReminderInputError';
  }
}

/** Checks what a schedule hands the reminder function; throws {@link InvalidDisputeReminderInputError}. */
export function parseDisputeReminderInput(value: unknown): DisputeReminderInput {
  const input = recordOf(value);
  if (input === undefined) throw new InvalidDisputeReminderInputError('it is not an object');
  const disputeId = textOf(input.disputeId);
  const eventId = textOf(input.eventId);
  if (disputeId === null || !/^(dp|du)_[A-Za-z0-9_]+$/.test(disputeId)) {
    throw new InvalidDisputeReminderInputError('disputeId must be a dispute id (dp_...)');
  }
  if (eventId === null || !/^evt_[A-Za-z0-9_]+$/.test(eventId)) {
    throw new InvalidDisputeReminderInputError('eventId must be the charge.dispute.created event id (evt_...)');
  }
  const account = input.account;
  if (account !== undefined && (typeof account !== 'string' || !/^acct_[A-Za-z0-9]+$/.test(account))) {
    throw new InvalidDisputeReminderInputError('account, when given, must be a connected account id (acct_...)');
  }
  return { disputeId, eventId, ...(account === undefined ? {} : { account }) };
}

export async function runDisputeReminder(
  input: DisputeReminderInput,
  deps: DisputeReminderDeps,
): Promise<DisputeReminderResult> {
  const ids = { disputeId: input.disputeId, eventId: input.eventId };
  let dispute: Record<string, unknown>;
  try {
    dispute = (await deps.stripe.retrieveDispute(
      input.disputeId,
      input.account === undefined ? {} : { account: input.account },
    )) as unknown as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof StripeObjectNotFoundError)) throw error;
    // A key of another mode or account, or a dispute Stripe no longer has: nothing to remind of, and a retry would not change it.
    deps.metrics.count('DisputeRemindersSkipped', 1, { reason: 'not_found' });
    deps.logger.warn('Dispute not found; no reminder sent', {
      ...ids,
      outcome: 'reminder_not_found',
      error: errorSummary(error),
    });
    return 'not_found';
  }
  const status = textOf(dispute.status);
  if (status === null || !disputeStatusesNeedingResponse.includes(status)) {
    deps.metrics.count('DisputeRemindersSkipped', 1, { reason: 'answered' });
    deps.logger.info('Dispute no longer needs a response; no reminder sent', {
      ...ids,
      status,
      outcome: 'reminder_answered',
    });
    return 'answered';
  }
  const content = disputeDeadlineAlert(dispute, { eventId: input.eventId, account: input.account }, deps.now());
  // disputeDeadlineAlert always has an alert for a dispute object; the check keeps the types honest.
  if (!('alert' in content)) return 'answered';
  const failures: Array<{ destination: string; error: unknown }> = [];
  for (const destination of deps.destinations) {
    try {
      await destination.send(content.alert);
    } catch (error) {
      failures.push({ destination: destination.name, error });
    }
  }
  if (failures.length > 0) throw new AlertDeliveryError('dispute_deadline', failures);
  deps.metrics.count('AlertsSent', 1, { kind: 'dispute_deadline' });
  deps.logger.info('Dispute reminder sent', {
    ...ids,
    status,
    destinations: deps.destinations.map((destination) => destination.name),
    outcome: 'reminder_alerted',
  });
  return 'alerted';
}
