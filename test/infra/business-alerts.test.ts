/**
 * The business alerts (`businessAlerts` prop, `-c businessAlerts=true`): off by default; on, the encrypted,
 * TLS-only alert topic and its e-mail subscription (or an existing topic), the webhook secret, the dispute
 * reminder function, its schedule group, the scheduler role and the consumer's grants at least privilege,
 * the subscribed types, the alarms and the outputs; cdk-nag; and the refusals of bad props and context values.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { envVarNames, serviceNames } from '../../config/contract';
import { businessAlertEventTypes } from '../../functions/alerts/alert-kinds';
import { InvalidContextError } from '../../lib/app-context';
import { type BusinessAlerts, withBusinessAlertTypes } from '../../lib/business-alerts';
import { businessAlertsContextOf } from '../../lib/business-alerts-context';
import { InvalidPipelinePropsError, type StripeWebhookPipeline } from '../../lib/stripe-webhook-pipeline';
import { buildStack, logicalIdOf, pipelineIn, resourceOf, resourcesOf, statementsOfRole } from './infra-helpers';

jest.setTimeout(120_000);

const apiKeySecretName = 'stripe-webhooks/dev/stripe-api-key';
const webhookSecretName = 'stripe-webhooks/dev/alert-webhook';
const existingTopicArn = 'arn:aws:sns:eu-west-1:123456789012:business-alerts';

// Each stack costs seconds: one off (with an API key, so only the flag differs), one on through the context.
const offStack = buildStack({ stripeApiKeySecretName: apiKeySecretName });
const off = Template.fromStack(offStack);
const onStack = buildStack({
  businessAlerts: 'true',
  stripeApiKeySecretName: apiKeySecretName,
  alertEmail: 'ops@example.com',
});
const on = Template.fromStack(onStack);

function alertsOf(pipeline: StripeWebhookPipeline): BusinessAlerts {
  const { businessAlerts } = pipeline;
  if (businessAlerts === undefined) throw new Error('businessAlerts is off');
  return businessAlerts;
}
const alerts = alertsOf(onStack.pipeline);

function variablesOf(template: Template, fn: Parameters<typeof logicalIdOf>[0]): Record<string, unknown> {
  const environment = resourceOf(template, logicalIdOf(fn)).Properties?.Environment as
    | { Variables: Record<string, unknown> }
    | undefined;
  return environment?.Variables ?? {};
}

const roleOf = (fn: { role?: unknown }): string => {
  const role = fn.role as Parameters<typeof logicalIdOf>[0] | undefined;
  if (role === undefined) throw new Error('no role');
  return logicalIdOf(role);
};

/** The statements of a role that name one of `prefixes`' actions, as plain JSON (Sid-less, like CDK writes them). */
function statementsWith(template: Template, roleId: string, prefixes: readonly string[]) {
  return statementsOfRole(template, roleId).filter((s) =>
    s.Action.some((action) => prefixes.some((prefix) => action.startsWith(prefix))),
  );
}

const ref = (construct: Parameters<typeof logicalIdOf>[0]) => ({ Ref: logicalIdOf(construct) });
const arnOf = (construct: Parameters<typeof logicalIdOf>[0]) => ({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });
const groupName = alerts.scheduleGroup.scheduleGroupName;
const schedulesArn = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':scheduler:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:schedule/${groupName}/dispute-reminder-*`,
    ],
  ],
};

describe('business alerts off (the default)', () => {
  it('creates no alert topic, reminder function, schedule group or output, and gives the consumer no alert variable', () => {
    // Assess
    expect(offStack.pipeline.businessAlerts).toBeUndefined();
    expect(JSON.stringify(off.toJSON())).not.toMatch(/BusinessAlerts|DisputeReminder|AWS::Scheduler::ScheduleGroup/);
    expect(Object.keys(off.toJSON().Outputs)).not.toContain('BusinessAlertTopicArn');
    const consumerVariables = Object.keys(variablesOf(off, offStack.pipeline.consumer.fn));
    expect(consumerVariables.filter((name) => /^(ALERT_|DISPUTE_REMINDER_|BUSINESS_ALERTS_)/.test(name))).toEqual([]);
    expect(offStack.pipeline.subscribedEventTypes).not.toContain('charge.dispute.created');
  });
});

describe('business alerts on (-c businessAlerts=true -c alertEmail=...)', () => {
  const key = alerts.key;
  if (key === undefined) throw new Error('the topic of its own has no key');

  it('publishes to a topic of its own, encrypted with a rotated key of its own, refusing requests without TLS', () => {
    // Assess
    on.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Stripe business alerts',
      KmsMasterKeyId: arnOf(key),
    });
    expect(resourceOf(on, logicalIdOf(key)).Properties).toMatchObject({ EnableKeyRotation: true });
    on.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(alerts.topic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    // Not the alarm topic: the alerts reach the business, the alarms the operators.
    expect(logicalIdOf(alerts.topic)).not.toBe(logicalIdOf(onStack.pipeline.alarmTopic.topic as never));
  });

  it('subscribes the alertEmail address to the topic by e-mail', () => {
    // Assess
    on.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: ref(alerts.topic),
    });
  });

  it('runs the reminder function with exactly the environment it needs', () => {
    // Assess
    expect(variablesOf(on, alerts.reminderFunction)).toEqual({
      [envVarNames.stage]: 'dev',
      [envVarNames.alertTopicArn]: ref(alerts.topic),
      [envVarNames.stripeApiKeySecretId]: apiKeySecretName,
      POWERTOOLS_SERVICE_NAME: serviceNames.disputeReminder,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('hands a reminder that failed twice more to an encrypted, TLS-only dead-letter queue', () => {
    // Assess
    on.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(alerts.reminderFunction),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(alerts.reminderDeadLetterQueue) } },
    });
    expect(resourceOf(on, logicalIdOf(alerts.reminderDeadLetterQueue)).Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: onStack.pipeline.settings.deadLetterRetentionDays * 86_400,
    });
    on.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(alerts.reminderDeadLetterQueue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets the reminder function publish (with the key), read the API key and fail to its queue; nothing else', () => {
    // Assess
    const role = roleOf(alerts.reminderFunction);
    const actions = statementsOfRole(on, role)
      .flatMap((s) => s.Action)
      .sort();
    expect(actions).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(statementsWith(on, role, ['sns:'])).toEqual([
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [ref(alerts.topic)] },
    ]);
    expect(statementsWith(on, role, ['kms:'])).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: [arnOf(key)] },
    ]);
  });

  it('creates the schedule group, removed with the stack, named as the consumer is told', () => {
    // Assess
    const group = resourceOf(on, logicalIdOf(alerts.scheduleGroup));
    expect(group.Type).toBe('AWS::Scheduler::ScheduleGroup');
    expect(group.Properties).toEqual({ Name: groupName });
    expect(group.DeletionPolicy).toBe('Delete');
    expect(groupName).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
  });

  it('lets only EventBridge Scheduler, for this account and group, assume the scheduler role; it may only invoke the reminder', () => {
    // Assess
    const role = resourceOf(on, logicalIdOf(alerts.schedulerRole));
    expect(role.Properties?.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': arnOf(alerts.scheduleGroup) },
          },
        },
      ],
    });
    expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(statementsOfRole(on, logicalIdOf(alerts.schedulerRole))).toEqual([
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arnOf(alerts.reminderFunction)] },
    ]);
  });

  it('lets the consumer manage the dispute-reminder-* schedules of the group, pass the scheduler role, and publish', () => {
    // Assess
    const role = roleOf(onStack.pipeline.consumer.fn);
    expect(statementsWith(on, role, ['scheduler:'])).toEqual([
      {
        Effect: 'Allow',
        Action: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        Resource: [schedulesArn],
      },
    ]);
    expect(statementsWith(on, role, ['iam:'])).toEqual([
      {
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [arnOf(alerts.schedulerRole)],
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    expect(statementsWith(on, role, ['sns:'])).toEqual([
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [ref(alerts.topic)] },
    ]);
    expect(statementsWith(on, role, ['kms:'])).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: [arnOf(key)] },
    ]);
    // The consumer never invokes the reminder itself.
    expect(statementsWith(on, role, ['lambda:'])).toEqual([]);
  });

  it('gives the consumer the topic, the reminder function, role, group and lead time', () => {
    // Assess
    const variables = variablesOf(on, onStack.pipeline.consumer.fn);
    expect(variables).toMatchObject({
      [envVarNames.alertTopicArn]: ref(alerts.topic),
      [envVarNames.disputeReminderFunctionArn]: arnOf(alerts.reminderFunction),
      [envVarNames.disputeReminderRoleArn]: arnOf(alerts.schedulerRole),
      [envVarNames.disputeReminderScheduleGroup]: groupName,
      [envVarNames.disputeReminderLeadHours]: '72',
    });
    expect(Object.keys(variables)).not.toContain(envVarNames.alertWebhookSecretId);
    expect(Object.keys(variables)).not.toContain(envVarNames.businessAlertsOff);
  });

  it('queues and enables the alert event types besides the subscriptions’ own', () => {
    // Assess
    expect(onStack.pipeline.subscribedEventTypes).toEqual(expect.arrayContaining([...businessAlertEventTypes]));
    const receiverTypes = String(
      variablesOf(on, onStack.pipeline.receiver?.fn as never)[envVarNames.subscribedEventTypes],
    ).split(',');
    expect(receiverTypes).toEqual(expect.arrayContaining(['charge.dispute.created', 'payout.failed']));
    expect(String(on.toJSON().Outputs.EnabledEvents.Value).split(',')).toContain('radar.early_fraud_warning.created');
  });

  it('alarms through the alarm topic on a reminder in the dead-letter queue and on any reminder failure', () => {
    // Assess
    const topic = { Ref: logicalIdOf(onStack.pipeline.alarmTopic.topic as never) };
    on.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalIdOf(alerts.reminderDeadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 1,
      AlarmActions: [topic],
      OKActions: [topic],
    });
    expect(onStack.pipeline.alarms.all).toContain(alerts.deadLetterAlarm);
    on.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('Runbook: docs/operations.md, "Alarms", "Dispute reminder failures"'),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
      OKActions: [topic],
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: ref(alerts.reminderFunction) }],
            }),
          }),
        }),
        Match.objectLike({
          Id: 'dropped',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/Scheduler',
              MetricName: 'InvocationDroppedCount',
              Dimensions: [{ Name: 'ScheduleGroup', Value: groupName }],
            }),
          }),
        }),
      ]),
    });
  });

  it('outputs the topic ARN, the schedule group name and the reminder dead-letter queue name', () => {
    // Assess
    on.hasOutput('BusinessAlertTopicArn', {
      Value: ref(alerts.topic),
      Description: Match.stringLikeRegexp('subscribe'),
    });
    on.hasOutput('DisputeReminderScheduleGroupName', { Value: groupName });
    on.hasOutput('DisputeReminderDeadLetterQueueName', {
      Value: { 'Fn::GetAtt': [logicalIdOf(alerts.reminderDeadLetterQueue), 'QueueName'] },
    });
  });
});

describe('the businessAlerts prop', () => {
  // An existing topic, a webhook, kinds off and a lead time: every option but the e-mail.
  const { pipeline, stack } = pipelineIn({
    stripeApiKeySecretName: apiKeySecretName,
    businessAlerts: {
      alertTopicArn: existingTopicArn,
      alertWebhookSecretName: webhookSecretName,
      off: ['account_requirements', 'payout_failed'],
      disputeReminderLeadHours: 48,
    },
  });
  const template = Template.fromStack(stack);
  const businessAlerts = alertsOf(pipeline);

  it('publishes to the existing topic: no key, no topic, no subscription of its own; sns:Publish on it, no kms', () => {
    // Assess
    expect(businessAlerts.key).toBeUndefined();
    expect(businessAlerts.topic.topicArn).toBe(existingTopicArn);
    const ofAlerts = Object.entries(resourcesOf(template))
      .filter(([id]) => id.startsWith('WebhooksBusinessAlerts'))
      .map(([, r]) => r.Type);
    expect(ofAlerts).toEqual(expect.arrayContaining(['AWS::Lambda::Function', 'AWS::Scheduler::ScheduleGroup']));
    expect(ofAlerts.filter((type) => /^AWS::(SNS|KMS)::/.test(type))).toEqual([]);
    for (const fn of [pipeline.consumer.fn, businessAlerts.reminderFunction]) {
      const role = roleOf(fn);
      expect(statementsWith(template, role, ['sns:'])).toEqual([
        { Effect: 'Allow', Action: ['sns:Publish'], Resource: [existingTopicArn] },
      ]);
      expect(statementsWith(template, role, ['kms:'])).toEqual([]);
      expect(variablesOf(template, fn)[envVarNames.alertTopicArn]).toBe(existingTopicArn);
    }
  });

  it('lets the consumer and the reminder function read the webhook secret, and names it to both', () => {
    // Assess
    for (const fn of [pipeline.consumer.fn, businessAlerts.reminderFunction]) {
      const reads = statementsWith(template, roleOf(fn), ['secretsmanager:']).filter((s) =>
        JSON.stringify(s.Resource).includes(`secret:${webhookSecretName}-??????`),
      );
      expect(reads).toHaveLength(1);
      expect(reads[0]?.Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
      expect(variablesOf(template, fn)[envVarNames.alertWebhookSecretId]).toBe(webhookSecretName);
    }
    // The scheduler role reads no secret.
    expect(statementsWith(template, logicalIdOf(businessAlerts.schedulerRole), ['secretsmanager:'])).toEqual([]);
  });

  it('passes the kinds off and the lead time to the consumer, and leaves the off kinds’ types unsubscribed', () => {
    // Assess
    expect(variablesOf(template, pipeline.consumer.fn)).toMatchObject({
      [envVarNames.businessAlertsOff]: 'account_requirements,payout_failed',
      [envVarNames.disputeReminderLeadHours]: '48',
    });
    expect(pipeline.subscribedEventTypes).not.toContain('payout.failed');
    expect(pipeline.subscribedEventTypes).not.toContain('account.updated');
    expect(pipeline.subscribedEventTypes).toEqual(
      expect.arrayContaining(['charge.dispute.created', 'invoice.marked_uncollectible']),
    );
  });

  it('is refused without stripeApiKeySecretName, naming both and the key it needs', () => {
    // Act
    const refused = (() => {
      try {
        pipelineIn({ businessAlerts: true });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(refused).toBeInstanceOf(InvalidPipelinePropsError);
    expect((refused as Error).message).toMatch(
      /prop "businessAlerts" is on, but it needs prop "stripeApiKeySecretName"/,
    );
    expect((refused as Error).message).toMatch(/read access to disputes/);
  });

  it.each([
    [{ alertEmail: 'ops' }, /prop "businessAlerts.alertEmail" is "ops", but it must be an e-mail address/],
    [
      { alertTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:alerts' },
      /prop "businessAlerts.alertTopicArn" is "arn:aws:sqs:eu-west-1:123456789012:alerts", but it must be the ARN of a standard SNS topic/,
    ],
    [{ alertWebhookSecretName: 'has spaces' }, /prop "businessAlerts.alertWebhookSecretName" is "has spaces"/],
    [
      { off: ['dispute_opened'] },
      /prop "businessAlerts.off" is \["dispute_opened"\], but "dispute_opened" is not a business alert kind/,
    ],
    [
      { disputeReminderLeadHours: 0 },
      /prop "businessAlerts.disputeReminderLeadHours" is 0, but it must be a whole number of hours from 1 to 720/,
    ],
    [{ disputeReminderLeadHours: 1.5 }, /prop "businessAlerts.disputeReminderLeadHours" is 1.5/],
  ])('refuses %j, saying what to fix', (options, message) => {
    // Act / Assess
    expect(() => pipelineIn({ stripeApiKeySecretName: apiKeySecretName, businessAlerts: options })).toThrow(message);
  });

  it('is off with false, like without it', () => {
    // Act / Assess
    expect(
      pipelineIn({ stripeApiKeySecretName: apiKeySecretName, businessAlerts: false }).pipeline.businessAlerts,
    ).toBeUndefined();
  });
});

describe('cdk-nag', () => {
  it('passes the stack with every alert option through the context (cdk-nag runs at synth and throws)', () => {
    // Prepare
    const stack = buildStack({
      businessAlerts: 'true',
      stripeApiKeySecretName: apiKeySecretName,
      alertTopicArn: existingTopicArn,
      alertWebhookSecretName: webhookSecretName,
      businessAlertsOff: 'payout_failed',
      disputeReminderLeadHours: '24',
      tracing: 'true',
    });
    // Act / Assess
    expect(() => (stack.node.root as App).synth()).not.toThrow();
    expect(stack.pipeline.businessAlerts).toBeDefined();
  });
});

describe('the business alerts context keys', () => {
  const contextOf = (context: Record<string, unknown>, key: string | undefined = apiKeySecretName) =>
    businessAlertsContextOf(new App({ context }).node, key);

  it('reads businessAlerts and its options, as -c strings or cdk.json values', () => {
    // Act / Assess
    expect(contextOf({})).toBeUndefined();
    expect(contextOf({ businessAlerts: 'false' })).toBeUndefined();
    expect(contextOf({ businessAlerts: 'true' })).toEqual({});
    expect(
      contextOf({
        businessAlerts: true,
        alertEmail: ' ops@example.com ',
        alertTopicArn: existingTopicArn,
        alertWebhookSecretName: webhookSecretName,
        businessAlertsOff: 'payout_failed, dispute_deadline',
        disputeReminderLeadHours: '96',
      }),
    ).toEqual({
      alertEmail: 'ops@example.com',
      alertTopicArn: existingTopicArn,
      alertWebhookSecretName: webhookSecretName,
      off: ['payout_failed', 'dispute_deadline'],
      disputeReminderLeadHours: 96,
    });
    expect(
      contextOf({ businessAlerts: 'TRUE', businessAlertsOff: ['payout_failed'], disputeReminderLeadHours: 12 }),
    ).toEqual({
      off: ['payout_failed'],
      disputeReminderLeadHours: 12,
    });
  });

  it.each([
    [{ businessAlerts: 'yes' }, /Context value "businessAlerts" is "yes", but it must be true or false/],
    [{ businessAlerts: 'true', alertEmail: 'ops' }, /"alertEmail" is "ops", but it must be an e-mail address/],
    [
      { businessAlerts: 'true', alertTopicArn: 'pager' },
      /"alertTopicArn" is "pager", but it must be the ARN of a standard SNS topic/,
    ],
    [{ businessAlerts: 'true', alertWebhookSecretName: 'a b' }, /"alertWebhookSecretName" is "a b"/],
    [
      { businessAlerts: 'true', businessAlertsOff: 'payout_failed,refunds' },
      /"businessAlertsOff" is "payout_failed,refunds", but it must be a list of business alert kinds: "refunds" is not a business alert kind/,
    ],
    [
      { businessAlerts: 'true', disputeReminderLeadHours: '0' },
      /"disputeReminderLeadHours" is 0, but it must be a whole number of hours from 1 to 720/,
    ],
    [{ businessAlerts: 'true', disputeReminderLeadHours: 'soon' }, /"disputeReminderLeadHours" is "soon"/],
    [
      { alertEmail: 'ops@example.com' },
      /"alertEmail" is "ops@example.com", but it must be left out without -c businessAlerts=true/,
    ],
  ])('refuses %j', (context, message) => {
    // Act / Assess
    expect(() => contextOf(context)).toThrow(InvalidContextError);
    expect(() => contextOf(context)).toThrow(message);
  });

  it('refuses businessAlerts=true without stripeApiKeySecretName, naming both, through the app', () => {
    // Act / Assess
    expect(() => buildStack({ businessAlerts: 'true' })).toThrow(InvalidContextError);
    expect(() => buildStack({ businessAlerts: 'true' })).toThrow(
      /Context value "businessAlerts" is "true", but it must be used with -c stripeApiKeySecretName=<secret name>/,
    );
  });
});

describe('withBusinessAlertTypes', () => {
  it('adds the alert types once, none that the subscriptions already match, and none only off kinds need', () => {
    // Act / Assess
    expect(withBusinessAlertTypes(['*'])).toEqual(['*']);
    expect(withBusinessAlertTypes(['charge.dispute.*']).filter((t) => t.startsWith('charge.dispute.'))).toEqual([
      'charge.dispute.*',
    ]);
    const added = withBusinessAlertTypes(['invoice.paid', 'customer.subscription.deleted']);
    expect(added.filter((t) => t === 'customer.subscription.deleted')).toHaveLength(1);
    expect(added).toEqual(expect.arrayContaining([...businessAlertEventTypes, 'invoice.paid']));
    // dispute_closed off, but the reminder still needs charge.dispute.closed to cancel itself.
    expect(withBusinessAlertTypes([], ['dispute_closed'])).toContain('charge.dispute.closed');
    expect(withBusinessAlertTypes([], ['dispute_closed', 'dispute_deadline'])).not.toContain('charge.dispute.closed');
  });
});
