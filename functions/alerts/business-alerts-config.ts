/**
 * The business alerts as a function's environment configures them, read once per container: the SNS
 * topic (set means the feature is on), the webhook secret, the kinds switched off, and what the
 * consumer needs to schedule dispute reminders (the reminder function, the role Scheduler assumes to
 * invoke it, the schedule group) and how long before the deadline.
 */
import { envVarNames } from '../../config/contract';
import { InvalidEnvironmentVariableError, optionalIntegerEnv } from '../shared/env';
import {
  type BusinessAlertKind,
  defaultDisputeReminderLeadHours,
  enabledBusinessAlertKinds,
  parseBusinessAlertsOff,
} from './alert-kinds';

export interface DisputeReminderTarget {
  /** The reminder function, the schedules' target. */
  readonly functionArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  readonly roleArn: string;
  readonly groupName: string;
}

export interface BusinessAlertsConfig {
  /** Undefined when the alerts are on only because the local pipeline gives its own destinations. */
  readonly topicArn: string | undefined;
  readonly webhookSecretId: string | undefined;
  readonly off: readonly BusinessAlertKind[];
  /** Undefined in the reminder function, and in a consumer given no scheduler (reminders are then skipped, counted). */
  readonly reminderTarget: DisputeReminderTarget | undefined;
  readonly reminderLeadHours: number;
}

/** Longest lead: Stripe gives at most weeks to answer; a month ahead would remind before the dispute exists. */
export const maxDisputeReminderLeadHours = 720;

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function reminderTargetOf(env: NodeJS.ProcessEnv): DisputeReminderTarget | undefined {
  const names = [
    envVarNames.disputeReminderFunctionArn,
    envVarNames.disputeReminderRoleArn,
    envVarNames.disputeReminderScheduleGroup,
  ] as const;
  const [functionArn, roleArn, groupName] = names.map((name) => optional(env, name));
  if (functionArn === undefined && roleArn === undefined && groupName === undefined) return undefined;
  if (functionArn === undefined || roleArn === undefined || groupName === undefined) {
    const missing = names.filter((name) => optional(env, name) === undefined);
    throw new InvalidEnvironmentVariableError(
      missing.join(', '),
      '(unset)',
      `set together with the other dispute reminder variables (${names.join(', ')}): all three or none`,
    );
  }
  if (!/^arn:[a-z-]+:lambda:/.test(functionArn)) {
    throw new InvalidEnvironmentVariableError(
      envVarNames.disputeReminderFunctionArn,
      functionArn,
      'a Lambda function ARN',
    );
  }
  if (!/^arn:[a-z-]+:iam::\d{12}:role\//.test(roleArn)) {
    throw new InvalidEnvironmentVariableError(envVarNames.disputeReminderRoleArn, roleArn, 'an IAM role ARN');
  }
  if (!/^[0-9a-zA-Z-_.]{1,64}$/.test(groupName)) {
    throw new InvalidEnvironmentVariableError(
      envVarNames.disputeReminderScheduleGroup,
      groupName,
      'an EventBridge Scheduler group name ([0-9a-zA-Z-_.], at most 64 characters)',
    );
  }
  return { functionArn, roleArn, groupName };
}

/**
 * Undefined when `ALERT_TOPIC_ARN` is unset and `forceOn` is not given (the local pipeline's own
 * destinations turn the feature on without a topic).
 */
export function readBusinessAlertsConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { readonly forceOn?: boolean } = {},
): BusinessAlertsConfig | undefined {
  const topicArn = optional(env, envVarNames.alertTopicArn);
  if (topicArn === undefined && options.forceOn !== true) return undefined;
  if (topicArn !== undefined && !/^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn)) {
    throw new InvalidEnvironmentVariableError(envVarNames.alertTopicArn, topicArn, 'an SNS topic ARN');
  }
  const offList = parseBusinessAlertsOff(env[envVarNames.businessAlertsOff]);
  let off: BusinessAlertKind[];
  try {
    // Refuses an unknown kind; once it has not, every entry is a kind.
    enabledBusinessAlertKinds(offList);
    off = offList as BusinessAlertKind[];
  } catch (error) {
    throw new InvalidEnvironmentVariableError(
      envVarNames.businessAlertsOff,
      offList.join(','),
      error instanceof Error ? error.message : String(error),
    );
  }
  const leadHours = optionalIntegerEnv(envVarNames.disputeReminderLeadHours, env) ?? defaultDisputeReminderLeadHours;
  if (leadHours < 1 || leadHours > maxDisputeReminderLeadHours) {
    throw new InvalidEnvironmentVariableError(
      envVarNames.disputeReminderLeadHours,
      String(leadHours),
      `a whole number of hours from 1 to ${maxDisputeReminderLeadHours}`,
    );
  }
  return {
    topicArn,
    webhookSecretId: optional(env, envVarNames.alertWebhookSecretId),
    off,
    reminderTarget: reminderTargetOf(env),
    reminderLeadHours: leadHours,
  };
}
