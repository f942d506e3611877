/**
 * The thresholds of the pipeline's alarms: construct props (`alarmThresholds`), each with its default
 * and the reason for it, checked at synth. The runbooks in docs/operations.md say what each alarm means.
 */

/** When each alarm goes off. Every count is over one 5-minute period. */
export interface AlarmThresholds {
  /**
   * Age in minutes of the oldest message on the event queue above which the queue counts as backing up.
   * A failing event is retried every visibility timeout (180 s by default) for `maxReceiveCount` (5)
   * receives, so a healthy queue holds no message much older than 15 minutes.
   * @default 30
   */
  readonly oldestEventAgeMinutes?: number;
  /**
   * Percentage of the receiver's answers that are 5xx (`EnqueueFailed`, `SecretUnavailable`,
   * `InternalError` among all its outcomes) at or above which the alarm goes off, in two 5-minute
   * periods in a row. Stripe retries a 5xx, but disables an endpoint that keeps failing for days.
   * @default 5
   */
  readonly receiverServerErrorRatePercent?: number;
  /**
   * Signature mismatches (`Rejected` with `reason=signature_mismatch`) in 5 minutes above which the alarm
   * goes off. A request needs a well-formed `Stripe-Signature` header to get this far, so scanners
   * rarely do: a few in a row mean a rolled or mistyped signing secret.
   * @default 2
   */
  readonly signatureMismatchesPer5Minutes?: number;
  /**
   * Consumer errors in 5 minutes (records that failed and go back to the queue, plus invocations that
   * failed as a whole: crashes, timeouts) at or above which the alarm goes off.
   * @default 5
   */
  readonly consumerErrorsPer5Minutes?: number;
  /**
   * Events put back on the queue because SES throttled (`Throttled`) in 5 minutes, at or above which the
   * alarm goes off: SES's sending rate or daily quota is too small for the traffic.
   * @default 20
   */
  readonly throttledRequeuesPer5Minutes?: number;
  /**
   * Lambda throttles of the receiver or the consumer in 5 minutes (one alarm per function), at or above
   * which the alarm goes off: the account's (or the reserved) concurrency is used up.
   * @default 1
   */
  readonly lambdaThrottlesPer5Minutes?: number;
  /**
   * 5xx answers of the HTTP API in 5 minutes (the receiver's and API Gateway's own), at or above which
   * the alarm goes off.
   * @default 5
   */
  readonly apiServerErrorsPer5Minutes?: number;
  /**
   * The SES account's bounce rate, in percent, at or above which the alarm goes off. AWS reviews an
   * account at 5 % and may pause its sending at 10 %.
   * @default 4
   */
  readonly sesBounceRatePercent?: number;
  /**
   * The SES account's complaint rate, in percent, at or above which the alarm goes off. AWS reviews an
   * account at 0.1 % and may pause its sending at 0.5 %.
   * @default 0.08
   */
  readonly sesComplaintRatePercent?: number;
  /**
   * Billing sync failures in 5 minutes (sync requests that failed and go back to the sync queue, plus
   * invocations of the sync function that failed as a whole) at or above which the alarm goes off; only
   * with `billingState` on. A failed sync is retried, so a few are a passing Stripe API hiccup.
   * @default 5
   */
  readonly billingSyncErrorsPer5Minutes?: number;
}

export type ResolvedAlarmThresholds = Required<AlarmThresholds>;

export const defaultAlarmThresholds: ResolvedAlarmThresholds = {
  oldestEventAgeMinutes: 30,
  receiverServerErrorRatePercent: 5,
  signatureMismatchesPer5Minutes: 2,
  consumerErrorsPer5Minutes: 5,
  throttledRequeuesPer5Minutes: 20,
  lambdaThrottlesPer5Minutes: 1,
  apiServerErrorsPer5Minutes: 5,
  sesBounceRatePercent: 4,
  sesComplaintRatePercent: 0.08,
  billingSyncErrorsPer5Minutes: 5,
};

export class InvalidAlarmThresholdError extends Error {
  constructor(name: string, value: unknown, rule: string) {
    super(`Alarm threshold "${name}" is ${JSON.stringify(value)}, but it must be ${rule}.`);
    this.name = 'InvalidAlarmThresholdError';
  }
}

/** The rule each threshold must keep: counts are whole numbers, rates are percentages. */
const rules: Record<keyof AlarmThresholds, { readonly check: (value: number) => boolean; readonly rule: string }> = {
  oldestEventAgeMinutes: {
    check: (v) => Number.isInteger(v) && v >= 1 && v <= 20_160,
    rule: 'whole minutes from 1 to 20160 (14 days)',
  },
  receiverServerErrorRatePercent: { check: (v) => v > 0 && v <= 100, rule: 'a percentage above 0 and at most 100' },
  signatureMismatchesPer5Minutes: { check: (v) => Number.isInteger(v) && v >= 0, rule: 'a whole number, 0 or more' },
  consumerErrorsPer5Minutes: { check: (v) => Number.isInteger(v) && v >= 1, rule: 'a whole number, 1 or more' },
  throttledRequeuesPer5Minutes: { check: (v) => Number.isInteger(v) && v >= 1, rule: 'a whole number, 1 or more' },
  lambdaThrottlesPer5Minutes: { check: (v) => Number.isInteger(v) && v >= 1, rule: 'a whole number, 1 or more' },
  apiServerErrorsPer5Minutes: { check: (v) => Number.isInteger(v) && v >= 1, rule: 'a whole number, 1 or more' },
  sesBounceRatePercent: { check: (v) => v > 0 && v <= 100, rule: 'a percentage above 0 and at most 100' },
  sesComplaintRatePercent: { check: (v) => v > 0 && v <= 100, rule: 'a percentage above 0 and at most 100' },
  billingSyncErrorsPer5Minutes: { check: (v) => Number.isInteger(v) && v >= 1, rule: 'a whole number, 1 or more' },
};

/** The thresholds with their defaults filled in; throws {@link InvalidAlarmThresholdError} on a value out of range. */
export function resolveAlarmThresholds(input: AlarmThresholds = {}): ResolvedAlarmThresholds {
  const resolved = { ...defaultAlarmThresholds };
  for (const name of Object.keys(rules) as (keyof AlarmThresholds)[]) {
    const value = input[name];
    if (value === undefined) continue;
    const { check, rule } = rules[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
      throw new InvalidAlarmThresholdError(name, value, rule);
    }
    resolved[name] = value;
  }
  return resolved;
}
