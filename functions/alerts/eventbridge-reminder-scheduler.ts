/**
 * Dispute reminders as EventBridge Scheduler one-time schedules: one per dispute, named
 * `dispute-reminder-<dispute id>` in the feature's schedule group, firing `at(...)` in UTC, invoking the
 * reminder function with `{"disputeId","eventId","account"?}`, and deleted by Scheduler once it has run
 * (`ActionAfterCompletion: DELETE`), so no schedule outlives its dispute.
 *
 * Scheduling twice (a redelivered `charge.dispute.created`, a new lead time) updates the schedule
 * rather than failing: CreateSchedule answers `ConflictException` for a name that exists, and then
 * UpdateSchedule sets the same fields. Cancelling one that does not exist (it fired, or was never made)
 * is not an error.
 */
import type { CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { LoggerPort } from '../shared/logger';
import type { DisputeReminderInput, DisputeReminderScheduler } from './alert-ports';
import type { DisputeReminderTarget } from './business-alerts-config';
import { atExpression, disputeReminderScheduleName, isSchedulableDisputeId } from './schedule-names';

export class UnschedulableDisputeIdError extends Error {
  constructor(disputeId: string) {
    super(
      `Dispute id ${JSON.stringify(disputeId.slice(0, 80))} cannot name a schedule (EventBridge Scheduler names are ` +
        '[0-9a-zA-Z-_.], at most 64 characters with the dispute-reminder- prefix); Stripe dispute ids always can.',
    );
    this.name = 'UnschedulableDisputeIdError';
  }
}

/** The AWS SDK's errors by name (the module is loaded lazily, and a second copy bundled has other classes). */
function isError(error: unknown, name: 'ConflictException' | 'ResourceNotFoundException'): boolean {
  return (error as { name?: unknown } | undefined)?.name === name;
}

/** Loaded on the first schedule: a consumer that never sees a dispute does not pay for the module at cold start. */
const schedulerModule = () => import('@aws-sdk/client-scheduler');

/** Scheduler retries the invocation itself: 4 hours and 185 attempts by default; a reminder is useless late. */
const retryPolicy = { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 };

export function eventBridgeDisputeReminderScheduler(options: {
  /** The client, or a factory called on the first schedule. */
  readonly client: SchedulerClient | (() => SchedulerClient | Promise<SchedulerClient>);
  readonly target: DisputeReminderTarget;
  readonly logger?: LoggerPort;
}): DisputeReminderScheduler {
  const { target } = options;
  let made: Promise<SchedulerClient> | undefined;
  const clientOf = (): Promise<SchedulerClient> => {
    const given = options.client;
    made ??= Promise.resolve(typeof given === 'function' ? given() : given);
    return made;
  };
  const nameOf = (disputeId: string) => {
    if (!isSchedulableDisputeId(disputeId)) throw new UnschedulableDisputeIdError(disputeId);
    return disputeReminderScheduleName(disputeId);
  };
  return {
    async schedule(input: DisputeReminderInput, at: Date) {
      const request: CreateScheduleCommandInput = {
        Name: nameOf(input.disputeId),
        GroupName: target.groupName,
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        Description: `Stripe dispute ${input.disputeId}: evidence deadline reminder`,
        Target: {
          Arn: target.functionArn,
          RoleArn: target.roleArn,
          Input: JSON.stringify({
            disputeId: input.disputeId,
            eventId: input.eventId,
            ...(input.account === undefined ? {} : { account: input.account }),
          }),
          RetryPolicy: retryPolicy,
        },
      };
      const { CreateScheduleCommand, UpdateScheduleCommand } = await schedulerModule();
      const client = await clientOf();
      try {
        await client.send(new CreateScheduleCommand(request));
      } catch (error) {
        if (!isError(error, 'ConflictException')) throw error;
        await client.send(new UpdateScheduleCommand(request));
        options.logger?.info('Dispute reminder schedule existed; updated', { disputeId: input.disputeId });
      }
    },
    async cancel(disputeId: string) {
      // No schedule can have been made for an id that cannot name one.
      if (!isSchedulableDisputeId(disputeId)) return;
      const { DeleteScheduleCommand } = await schedulerModule();
      const client = await clientOf();
      try {
        await client.send(new DeleteScheduleCommand({ Name: nameOf(disputeId), GroupName: target.groupName }));
      } catch (error) {
        if (!isError(error, 'ResourceNotFoundException')) throw error;
      }
    },
  };
}
