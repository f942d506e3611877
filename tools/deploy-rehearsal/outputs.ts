/**
 * Every output of the stack, when it is there and what reads it: docs/deploy.md's outputs table says the
 * same (test/unit/deploy-rehearsal.test.ts keeps the two equal), and the rehearsal checks that a deploy
 * gives exactly these names.
 */

export interface StackOutput {
  readonly name: string;
  /** `always`, or the context that adds it. */
  readonly when: string;
  /** In the default stack (no context). */
  readonly inDefault: boolean;
  /** In the --all-features stack of the rehearsal (see features.ts). */
  readonly inAllFeatures: boolean;
}

const always = { when: 'always', inDefault: true, inAllFeatures: true } as const;

export const stackOutputs: readonly StackOutput[] = [
  { name: 'WebhookUrl', when: 'ingress webhook (default) or both', inDefault: true, inAllFeatures: true },
  { name: 'EnabledEvents', ...always },
  { name: 'EnabledThinEvents', when: 'a handler takes a thin event type', inDefault: false, inAllFeatures: false },
  { name: 'EventBusName', when: 'ingress eventbridge or both', inDefault: false, inAllFeatures: true },
  { name: 'EventBridgeDeadLetterQueueUrl', when: 'ingress eventbridge or both', inDefault: false, inAllFeatures: true },
  { name: 'EventQueueName', ...always },
  { name: 'DeadLetterQueueName', ...always },
  { name: 'DeadLetterAlarmName', ...always },
  { name: 'AlarmTopicArn', ...always },
  { name: 'DashboardName', when: 'dashboard (default true)', inDefault: true, inAllFeatures: true },
  { name: 'IdempotencyTableName', ...always },
  { name: 'LargeEventBucketName', ...always },
  { name: 'SigningSecretName', when: 'ingress webhook (default) or both', inDefault: true, inAllFeatures: true },
  { name: 'SigningSecretArn', when: 'ingress webhook (default) or both', inDefault: true, inAllFeatures: true },
  { name: 'BillingStateTableName', when: 'billingState=true', inDefault: false, inAllFeatures: true },
  { name: 'BillingSyncDeadLetterQueueName', when: 'billingState=true', inDefault: false, inAllFeatures: true },
  { name: 'BusinessAlertTopicArn', when: 'businessAlerts=true', inDefault: false, inAllFeatures: true },
  { name: 'DisputeReminderScheduleGroupName', when: 'businessAlerts=true', inDefault: false, inAllFeatures: true },
  { name: 'DisputeReminderDeadLetterQueueName', when: 'businessAlerts=true', inDefault: false, inAllFeatures: true },
  { name: 'SuppressionTableName', ...always },
  { name: 'SesConfigurationSetName', ...always },
];

/** The output names a deploy must give, exactly. */
export function expectedOutputs(allFeatures: boolean): string[] {
  return stackOutputs.filter((o) => (allFeatures ? o.inAllFeatures : o.inDefault)).map((o) => o.name);
}

/** What differs between the outputs a deploy gave and the expected ones (empty when equal). */
export function outputProblems(given: Readonly<Record<string, string>>, allFeatures: boolean): string[] {
  const expected = expectedOutputs(allFeatures);
  const problems: string[] = [];
  for (const name of expected) if (!given[name]) problems.push(`${name} missing or empty`);
  for (const name of Object.keys(given)) {
    if (!expected.includes(name))
      problems.push(`${name} is not a documented output (tools/deploy-rehearsal/outputs.ts)`);
  }
  return problems;
}
