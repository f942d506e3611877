/**
 * The billing state feature (`billingState` prop, `-c billingState=true`): off by default; on, the table,
 * the sync queues, the sync function and its event source, least-privilege IAM for the sync function,
 * the consumer and a team's reader, the subscribed types, the alarms and the outputs; and the refusals.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { billingStateTableSchema, envVarNames } from '../../config/contract';
import { billingSyncSubscribedTypes } from '../../functions/billing-state/billing-sync-types';
import { InvalidContextError } from '../../lib/app-context';
import { type BillingStateSync, withBillingSyncTypes } from '../../lib/billing-state';
import { billingStateContextOf } from '../../lib/billing-state-context';
import { InvalidPipelinePropsError, type StripeWebhookPipeline } from '../../lib/stripe-webhook-pipeline';
import { buildStack, logicalIdOf, pipelineIn, resourceOf, statementsOfRole } from './infra-helpers';

jest.setTimeout(120_000);

const apiKeySecretName = 'stripe-webhooks/dev/stripe-api-key';
const entitlementsType = 'entitlements.active_entitlement_summary.updated';

// Each stack costs seconds: one off (with an API key, so only the flag differs), one on through the context.
const offStack = buildStack({ stripeApiKeySecretName: apiKeySecretName });
const off = Template.fromStack(offStack);
const onStack = buildStack({ billingState: 'true', stripeApiKeySecretName: apiKeySecretName });
const on = Template.fromStack(onStack);

function billingStateOf(stack: { pipeline: StripeWebhookPipeline }): BillingStateSync {
  const { billingState } = stack.pipeline;
  if (billingState === undefined) throw new Error('billingState is off');
  return billingState;
}
const sync = billingStateOf(onStack);

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

/** The actions a role may take on a resource (matched by its JSON, e.g. the table's `Fn::GetAtt`). */
function actionsOn(template: Template, roleId: string, resource: unknown): string[] {
  return statementsOfRole(template, roleId)
    .filter((s) => s.Effect === 'Allow' && s.Resource.some((r) => JSON.stringify(r) === JSON.stringify(resource)))
    .flatMap((s) => s.Action)
    .sort();
}

const tableArn = { 'Fn::GetAtt': [logicalIdOf(sync.table), 'Arn'] };
const syncQueueArn = { 'Fn::GetAtt': [logicalIdOf(sync.syncQueue), 'Arn'] };

describe('billing state off (the default)', () => {
  it('creates no billing table, queue, function or output, and gives the consumer no BILLING_ variable', () => {
    // Assess
    expect(offStack.pipeline.billingState).toBeUndefined();
    expect(JSON.stringify(off.toJSON())).not.toMatch(/BillingState|BillingSync/);
    expect(Object.keys(off.toJSON().Outputs)).not.toContain('BillingStateTableName');
    const consumerVariables = Object.keys(variablesOf(off, offStack.pipeline.consumer.fn));
    expect(consumerVariables.filter((name) => name.startsWith('BILLING_'))).toEqual([]);
    expect(offStack.pipeline.subscribedEventTypes).not.toContain(entitlementsType);
  });
});

describe('billing state on (-c billingState=true)', () => {
  it('keeps the states in an on-demand table keyed by pk, with PITR, KMS encryption, retained on delete', () => {
    // Assess
    const table = resourceOf(on, logicalIdOf(sync.table));
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: billingStateTableSchema.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: billingStateTableSchema.partitionKey, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key id: the AWS managed key (aws/dynamodb), not the AWS owned one.
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.Properties?.SSESpecification).not.toHaveProperty('KMSMasterKeyId');
    expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  it('queues syncs on an encrypted, TLS-only queue redriven to an encrypted DLQ after maxReceiveCount', () => {
    // Assess
    const queue = resourceOf(on, logicalIdOf(sync.syncQueue)).Properties;
    const syncTimeout = resourceOf(on, logicalIdOf(sync.syncFunction)).Properties?.Timeout as number;
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(sync.syncDeadLetterQueue), 'Arn'] },
        maxReceiveCount: onStack.pipeline.settings.maxReceiveCount,
      },
    });
    expect(queue?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * syncTimeout);
    expect(resourceOf(on, logicalIdOf(sync.syncDeadLetterQueue)).Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: onStack.pipeline.settings.deadLetterRetentionDays * 86_400,
    });
    for (const q of [sync.syncQueue, sync.syncDeadLetterQueue]) {
      on.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalIdOf(q) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('runs the sync function from the sync queue: batches of 10, partial batch responses, at most 2 at once', () => {
    // Assess
    on.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: syncQueueArn,
      FunctionName: { Ref: logicalIdOf(sync.syncFunction) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(variablesOf(on, sync.syncFunction)).toEqual({
      [envVarNames.stage]: 'dev',
      [envVarNames.billingStateTableName]: { Ref: logicalIdOf(sync.table) },
      [envVarNames.billingStatePastDueAccess]: 'true',
      [envVarNames.stripeApiKeySecretId]: apiKeySecretName,
      [envVarNames.stripeApiRatePerSecond]: '5',
      POWERTOOLS_SERVICE_NAME: 'stripe-billing-sync',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('lets the sync function GetItem and PutItem on the table, read the API key and consume its queue; nothing more', () => {
    // Assess
    const role = roleOf(sync.syncFunction);
    expect(actionsOn(on, role, tableArn)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    const actions = statementsOfRole(on, role).flatMap((s) => s.Action);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(actions.filter((a) => a.startsWith('secretsmanager:')).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actions).not.toContain('sqs:SendMessage');
    expect(actions).toContain('sqs:ReceiveMessage');
  });

  it('gives the consumer the table and queue, lets it GetItem/PutItem on the table, read the key and send syncs', () => {
    // Assess
    const consumer = onStack.pipeline.consumer.fn;
    expect(variablesOf(on, consumer)).toMatchObject({
      [envVarNames.billingStateTableName]: { Ref: logicalIdOf(sync.table) },
      [envVarNames.billingSyncQueueUrl]: { Ref: logicalIdOf(sync.syncQueue) },
      [envVarNames.billingStatePastDueAccess]: 'true',
    });
    expect(Object.keys(variablesOf(on, consumer))).not.toContain(envVarNames.billingSyncOffTypes);
    expect(Object.keys(variablesOf(on, consumer))).not.toContain(envVarNames.billingSyncDelaySeconds);
    const role = roleOf(consumer);
    expect(actionsOn(on, role, tableArn)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(actionsOn(on, role, syncQueueArn)).toContain('sqs:SendMessage');
    expect(actionsOn(on, role, syncQueueArn)).not.toContain('sqs:ReceiveMessage');
    expect(statementsOfRole(on, role).flatMap((s) => s.Action)).toContain('secretsmanager:GetSecretValue');
  });

  it('queues and enables the billing event types besides the subscriptions’ own', () => {
    // Assess
    const receiverTypes = String(
      variablesOf(on, onStack.pipeline.receiver?.fn as never)[envVarNames.subscribedEventTypes],
    );
    expect(receiverTypes.split(',')).toEqual(
      expect.arrayContaining(['customer.subscription.updated', entitlementsType, 'invoice.paid', 'charge.refunded']),
    );
    expect(onStack.pipeline.subscribedEventTypes).toEqual(expect.arrayContaining(billingSyncSubscribedTypes()));
    expect(String(on.toJSON().Outputs.EnabledEvents.Value).split(',')).toContain(entitlementsType);
  });

  it('alarms through the topic on a message in the sync DLQ and on sync errors', () => {
    // Assess
    const topic = { Ref: logicalIdOf(onStack.pipeline.alarmTopic.topic) };
    on.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(sync.syncDeadLetterQueue), 'QueueName'] } },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    expect(onStack.pipeline.alarms.all).toContain(sync.deadLetterAlarm);
    on.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('Runbook: docs/operations.md, "Alarms", "Billing sync errors"'),
      Threshold: 5,
      AlarmActions: [topic],
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'BillingSyncFailed',
              Dimensions: Match.arrayWith([{ Name: 'service', Value: 'stripe-billing-sync' }]),
            }),
          }),
        }),
      ]),
    });
  });

  it('outputs the table name for the readers and the sync DLQ name', () => {
    // Assess
    on.hasOutput('BillingStateTableName', {
      Value: { Ref: logicalIdOf(sync.table) },
      Description: Match.stringLikeRegexp('createBillingStateReader'),
    });
    on.hasOutput('BillingSyncDeadLetterQueueName', {
      Value: { 'Fn::GetAtt': [logicalIdOf(sync.syncDeadLetterQueue), 'QueueName'] },
    });
  });
});

describe('the billingState prop', () => {
  // One construct-level stack with every option, and a team's function reading the table.
  const { pipeline, stack } = pipelineIn({
    stripeApiKeySecretName: apiKeySecretName,
    stripeApiRatePerSecond: 3,
    billingState: { off: [entitlementsType], pastDueAccess: false, syncDelaySeconds: 30 },
  });
  const teamReader = new LambdaFunction(stack, 'TeamReader', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => undefined;'),
  });
  const billingState = pipeline.billingState as BillingStateSync;
  billingState.grantRead(teamReader);
  const template = Template.fromStack(stack);

  it('gives a grantRead grantee GetItem on the table only', () => {
    // Assess
    const role = roleOf(teamReader);
    expect(actionsOn(template, role, { 'Fn::GetAtt': [logicalIdOf(billingState.table), 'Arn'] })).toEqual([
      'dynamodb:GetItem',
    ]);
    expect(statementsOfRole(template, role).flatMap((s) => s.Action)).toEqual(['dynamodb:GetItem']);
  });

  it('passes off, pastDueAccess and syncDelaySeconds to the consumer, and leaves the off type unsubscribed', () => {
    // Assess
    expect(variablesOf(template, pipeline.consumer.fn)).toMatchObject({
      [envVarNames.billingSyncOffTypes]: entitlementsType,
      [envVarNames.billingStatePastDueAccess]: 'false',
      [envVarNames.billingSyncDelaySeconds]: '30',
    });
    expect(variablesOf(template, billingState.syncFunction)).toMatchObject({
      [envVarNames.billingStatePastDueAccess]: 'false',
      // Never more than the consumer is allowed.
      [envVarNames.stripeApiRatePerSecond]: '3',
    });
    expect(pipeline.subscribedEventTypes).not.toContain(entitlementsType);
    expect(pipeline.subscribedEventTypes).toContain('customer.subscription.updated');
  });

  it('is refused without stripeApiKeySecretName, naming both and the key it needs', () => {
    // Act
    const refused = (() => {
      try {
        pipelineIn({ billingState: true });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(refused).toBeInstanceOf(InvalidPipelinePropsError);
    expect((refused as Error).message).toMatch(/prop "billingState" is on, but it needs prop "stripeApiKeySecretName"/);
    expect((refused as Error).message).toMatch(/read access to customers, subscriptions and entitlements/);
  });

  it.each([
    [
      { off: ['invoice.created'] },
      /prop "billingState.off" is \["invoice.created"\], but "invoice.created" is not an event type the billing sync listens to/,
    ],
    [
      { syncDelaySeconds: 901 },
      /prop "billingState.syncDelaySeconds" is 901, but it must be a whole number of seconds from 0 to 900/,
    ],
    [{ syncDelaySeconds: 1.5 }, /prop "billingState.syncDelaySeconds" is 1.5/],
  ])('refuses %j, saying what to fix', (options, message) => {
    // Act / Assess
    expect(() => pipelineIn({ stripeApiKeySecretName: apiKeySecretName, billingState: options })).toThrow(message);
  });

  it('is off with false, like without it', () => {
    // Act / Assess
    expect(
      pipelineIn({ stripeApiKeySecretName: apiKeySecretName, billingState: false }).pipeline.billingState,
    ).toBeUndefined();
  });
});

describe('the billing state context keys', () => {
  const contextOf = (context: Record<string, unknown>, key: string | undefined = apiKeySecretName) =>
    billingStateContextOf(new App({ context }).node, key);

  it('reads billingState and its options, as -c strings or cdk.json values', () => {
    // Act / Assess
    expect(contextOf({})).toBeUndefined();
    expect(contextOf({ billingState: 'false' })).toBeUndefined();
    expect(contextOf({ billingState: 'true' })).toEqual({});
    expect(
      contextOf({
        billingState: true,
        billingStatePastDueAccess: 'false',
        billingStateOff: `invoice.paid, ${entitlementsType}`,
        billingStateSyncDelaySeconds: '12',
      }),
    ).toEqual({ pastDueAccess: false, off: ['invoice.paid', entitlementsType], syncDelaySeconds: 12 });
  });

  it.each([
    [{ billingState: 'yes' }, /Context value "billingState" is "yes", but it must be true or false/],
    [{ billingState: 'true', billingStatePastDueAccess: 'no' }, /"billingStatePastDueAccess" is "no"/],
    [
      { billingState: 'true', billingStateOff: 'invoice.created' },
      /"billingStateOff" is "invoice.created", but it must be a list of the types the billing sync listens to/,
    ],
    [{ billingState: 'true', billingStateSyncDelaySeconds: '1000' }, /"billingStateSyncDelaySeconds" is 1000/],
    [
      { billingStatePastDueAccess: 'false' },
      /"billingStatePastDueAccess" is "false", but it must be left out without -c billingState=true/,
    ],
  ])('refuses %j', (context, message) => {
    // Act / Assess
    expect(() => contextOf(context)).toThrow(InvalidContextError);
    expect(() => contextOf(context)).toThrow(message);
  });

  it('refuses billingState=true without stripeApiKeySecretName, naming both, through the app', () => {
    // Act / Assess
    expect(() => buildStack({ billingState: 'true' })).toThrow(InvalidContextError);
    expect(() => buildStack({ billingState: 'true' })).toThrow(
      /Context value "billingState" is "true", but it must be used with -c stripeApiKeySecretName=<secret name>/,
    );
  });
});

describe('withBillingSyncTypes', () => {
  it('adds the billing types once, and none that the subscriptions already match', () => {
    // Act / Assess
    expect(withBillingSyncTypes(['*'])).toEqual(['*']);
    expect(withBillingSyncTypes(['invoice.*'], [entitlementsType]).filter((t) => t.startsWith('invoice.'))).toEqual([
      'invoice.*',
    ]);
    const added = withBillingSyncTypes(['invoice.paid', 'charge.refunded']);
    expect(added.filter((t) => t === 'invoice.paid')).toHaveLength(1);
    expect(added).toEqual(
      expect.arrayContaining(['charge.refunded', 'customer.subscription.updated', entitlementsType]),
    );
    expect(withBillingSyncTypes(['charge.refunded'], [entitlementsType])).not.toContain(entitlementsType);
  });
});
