/**
 * The operations props of the pipeline (who hears the alarms, logs, tracing, protection), the rules
 * their values must keep, and how the app reads them from the CDK context.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { booleanSetting } from '../../config/settings';
import { InvalidContextError } from '../app-context';
import type { AlarmThresholds } from './alarm-thresholds';

/** Powertools' log levels, least to most quiet. */
export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof logLevels)[number];

/** What the pipeline adds to run it: alarms and who hears them, the dashboard, logs, tracing, protection. */
export interface OperationsProps {
  /**
   * An address subscribed by e-mail to the alarm topic (SNS asks it to confirm first).
   * @default - none
   */
  readonly alarmEmail?: string;
  /**
   * ARN of an existing SNS topic the alarms send to, instead of a new one.
   * @default - a new topic, encrypted with its own key, TLS only
   */
  readonly alarmTopicArn?: string;
  /**
   * When each alarm goes off (see `lib/operations/alarm-thresholds.ts` and the runbooks in docs/operations.md).
   * @default - the documented defaults
   */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * Create the CloudWatch dashboard (requests, latency, queue, events, emails, DLQ).
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Level of the functions' logs (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Concurrency reserved for the receiver, which is also its limit: a flood of bad requests then cannot
   * take the account's whole concurrency (the consumer and other functions keep theirs). Requests above
   * it get 5xx from API Gateway, and Stripe retries them.
   * @default - none: the receiver shares the account's unreserved concurrency
   */
  readonly receiverReservedConcurrency?: number;
  /**
   * X-Ray tracing through Powertools Tracer on the receiver, the consumer and (with `billingState`) the
   * billing sync function, with the trace carried across SQS and Stripe's event id as the `eventId` annotation.
   * @default false
   */
  readonly tracing?: boolean;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const topicArnPattern = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const retentionDays = Object.values(RetentionDays).filter((value): value is number => typeof value === 'number');

/** Every problem with the operations props, as sentences that say what to change. */
export function operationsPropProblems(props: OperationsProps): string[] {
  const problems: string[] = [];
  const problem = (name: string, value: unknown, rule: string) =>
    problems.push(`prop "${name}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
  if (props.alarmEmail !== undefined && !emailPattern.test(props.alarmEmail)) {
    problem('alarmEmail', props.alarmEmail, alarmEmailRule);
  }
  if (props.alarmTopicArn !== undefined && !topicArnPattern.test(props.alarmTopicArn)) {
    problem('alarmTopicArn', props.alarmTopicArn, alarmTopicArnRule);
  }
  if (props.logLevel !== undefined && !(logLevels as readonly string[]).includes(props.logLevel)) {
    problem('logLevel', props.logLevel, logLevelRule);
  }
  const reserved = props.receiverReservedConcurrency;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1 && reserved <= 1000)) {
    problem('receiverReservedConcurrency', reserved, reservedConcurrencyRule);
  }
  return problems;
}

const alarmEmailRule = 'an e-mail address like ops@example.com';
const alarmTopicArnRule = 'the ARN of an SNS topic, like arn:aws:sns:us-east-1:123456789012:alarms';
const logLevelRule = `one of ${logLevels.join(', ')}`;
const reservedConcurrencyRule =
  "an integer from 1 to 1000 (and below the account's concurrency minus the 100 Lambda keeps unreserved)";

/** The context keys of the operations props. */
export const operationsContextKeys = {
  alarmEmail: 'alarmEmail',
  alarmTopicArn: 'alarmTopicArn',
  dashboard: 'dashboard',
  logLevel: 'logLevel',
  logRetentionDays: 'logRetentionDays',
  receiverReservedConcurrency: 'receiverReservedConcurrency',
  tracing: 'tracing',
} as const;

/** The operations props and the log retention, as the context gives them (`-c alarmEmail=...`). */
export interface OperationsContext extends OperationsProps {
  readonly logRetention?: RetentionDays;
}

function contextString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(key, value, 'a string');
  return value.trim() === '' ? undefined : value.trim();
}

/** A whole number from the context (`-c key=30` is a string, cdk.json may hold a number); undefined when unset. */
export function contextInteger(node: Node, key: string, rule: string): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(number)) throw new InvalidContextError(key, value, rule);
  return number;
}

/**
 * Reads and checks the operations keys of the context. The stack reads them itself (as it does the
 * ingress), so the keys work without the app passing them down.
 */
export function operationsContextOf(node: Node): OperationsContext {
  const keys = operationsContextKeys;
  const alarmEmail = contextString(node, keys.alarmEmail);
  if (alarmEmail !== undefined && !emailPattern.test(alarmEmail)) {
    throw new InvalidContextError(keys.alarmEmail, alarmEmail, alarmEmailRule);
  }
  const alarmTopicArn = contextString(node, keys.alarmTopicArn);
  if (alarmTopicArn !== undefined && !topicArnPattern.test(alarmTopicArn)) {
    throw new InvalidContextError(keys.alarmTopicArn, alarmTopicArn, alarmTopicArnRule);
  }
  const logLevel = contextString(node, keys.logLevel)?.toUpperCase();
  if (logLevel !== undefined && !(logLevels as readonly string[]).includes(logLevel)) {
    throw new InvalidContextError(keys.logLevel, logLevel, logLevelRule);
  }
  const retentionRule = `a number of days CloudWatch Logs offers: ${retentionDays.join(', ')}`;
  const logRetentionDays = contextInteger(node, keys.logRetentionDays, retentionRule);
  if (logRetentionDays !== undefined && !retentionDays.includes(logRetentionDays)) {
    throw new InvalidContextError(keys.logRetentionDays, logRetentionDays, retentionRule);
  }
  const receiverReservedConcurrency = contextInteger(node, keys.receiverReservedConcurrency, reservedConcurrencyRule);
  if (
    receiverReservedConcurrency !== undefined &&
    (receiverReservedConcurrency < 1 || receiverReservedConcurrency > 1000)
  ) {
    throw new InvalidContextError(
      keys.receiverReservedConcurrency,
      receiverReservedConcurrency,
      reservedConcurrencyRule,
    );
  }
  return {
    alarmEmail,
    alarmTopicArn,
    logLevel: logLevel as LogLevel | undefined,
    logRetention: logRetentionDays as RetentionDays | undefined,
    receiverReservedConcurrency,
    dashboard: booleanSetting(keys.dashboard, node.tryGetContext(keys.dashboard), true),
    tracing: booleanSetting(keys.tracing, node.tryGetContext(keys.tracing), false),
  };
}
