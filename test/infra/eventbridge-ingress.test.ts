import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { StripeWebhookPipeline, type StripeWebhookPipelineProps } from 'stripe-webhooks-aws/cdk';
import { encodeSubscribedTypes } from '../../config/subscribed-types';
import exampleSubscriptions from '../../examples/custom-handlers/subscriptions';
import { subscribedTypesOf } from '../../functions/consumer/define-subscriptions';
import projectSubscriptions from '../../functions/subscriptions';
import { addStripeWebhooks } from '../../lib/app';
import { InvalidContextError, readAppConfig } from '../../lib/app-context';
import {
  eventPatternMaxCharacters,
  StripeEventBridgeIngress,
  type StripeEventPattern,
  stripeEventPatternOf,
} from '../../lib/eventbridge-ingress';
import type { StripeWebhooksStack } from '../../lib/stripe-webhooks-stack';
import { buildStack, logicalIdOf, resourceOf, skipBundling } from './infra-helpers';

// CDK synthesis can take longer than Jest's default 5 s on a slow machine.
jest.setTimeout(60_000);

const sourceName = 'aws.partner/stripe.com/ed_test_61RkExample';
const sender = 'receipts@example.org';
const exampleEntry = path.join(__dirname, '..', '..', 'examples', 'custom-handlers', 'subscriptions.ts');
const projectTypes = encodeSubscribedTypes(subscribedTypesOf(projectSubscriptions)).split(',');

const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
const ref = (id: string) => ({ Ref: id });
const configOf = (context: Record<string, unknown>) => readAppConfig(new App({ context }).node);

function ingressOf(stack: StripeWebhooksStack): StripeEventBridgeIngress {
  const ingress = stack.pipeline.eventBridgeIngress;
  if (ingress === undefined) throw new Error('no EventBridge ingress');
  return ingress;
}

/** A StripeEventBridgeIngress alone, in front of a plain queue, for a given list of subscribed types. */
function ingressFor(subscribedEventTypes: readonly string[]): { template: Template; stack: Stack } {
  const stack = new Stack(new App(), 'IngressStack');
  const queue = new Queue(stack, 'Queue');
  new StripeEventBridgeIngress(stack, 'Ingress', { eventSourceName: sourceName, subscribedEventTypes, queue });
  return { template: Template.fromStack(stack), stack };
}

function patternIn(template: Template): StripeEventPattern {
  const rules = Object.values(template.findResources('AWS::Events::Rule'));
  expect(rules).toHaveLength(1);
  return rules[0]?.Properties.EventPattern as StripeEventPattern;
}

function pipelineIn(props: Partial<StripeWebhookPipelineProps>): { pipeline: StripeWebhookPipeline; stack: Stack } {
  const stack = new Stack(new App({ context: skipBundling }), 'TeamStack');
  const pipeline = new StripeWebhookPipeline(stack, 'Webhooks', { senderAddress: sender, ...props });
  return { pipeline, stack };
}

describe('ingress webhook (the default)', () => {
  it('creates no event bus, rule or EventBridge output, and keeps the API', () => {
    // Act
    const stack = buildStack({ senderAddress: sender });
    const template = Template.fromStack(stack);
    // Assess
    expect(stack.pipeline.ingress).toBe('webhook');
    expect(stack.pipeline.eventBridgeIngress).toBeUndefined();
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    expect(Object.keys(template.findOutputs('*')).filter((name) => /^EventBus|^EventBridge/.test(name))).toEqual([]);
  });
});

describe('ingress both', () => {
  let stack: StripeWebhooksStack;
  let template: Template;
  let ids: { bus: string; rule: string; queue: string; dlq: string; pipelineDlq: string };

  beforeAll(() => {
    // Prepare: as `cdk synth -c ingress=both -c stripeEventSourceName=...` builds it.
    stack = buildStack({ senderAddress: sender, ingress: 'both', stripeEventSourceName: sourceName });
    // Act
    template = Template.fromStack(stack);
    const ingress = ingressOf(stack);
    ids = {
      bus: logicalIdOf(ingress.eventBus),
      rule: logicalIdOf(ingress.rule),
      queue: logicalIdOf(stack.pipeline.queue),
      dlq: logicalIdOf(ingress.deadLetterQueue),
      pipelineDlq: logicalIdOf(stack.pipeline.deadLetterQueue),
    };
  });

  it('creates the partner event bus, named after and associated with the event source', () => {
    // Assess
    template.resourceCountIs('AWS::Events::EventBus', 1);
    expect(resourceOf(template, ids.bus).Properties).toEqual({ Name: sourceName, EventSourceName: sourceName });
  });

  it('matches only the source and the subscribed types, from the same subscriptions as the receiver', () => {
    // Assess
    expect(resourceOf(template, ids.rule).Properties).toMatchObject({
      EventBusName: ref(ids.bus),
      State: 'ENABLED',
      EventPattern: { source: [sourceName], 'detail-type': projectTypes },
    });
    const receiver = stack.pipeline.receiverFunction;
    if (receiver === undefined) throw new Error('ingress both without receiver');
    const environment = resourceOf(template, logicalIdOf(receiver)).Properties?.Environment as
      | { Variables: Record<string, string> }
      | undefined;
    expect(environment?.Variables.SUBSCRIBED_EVENT_TYPES).toBe(projectTypes.join(','));
  });

  it('targets the event queue the consumer reads, retrying for 24 hours, then its own dead-letter queue', () => {
    // Assess
    expect(resourceOf(template, ids.rule).Properties?.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: getAtt(ids.queue, 'Arn'),
        DeadLetterConfig: { Arn: getAtt(ids.dlq, 'Arn') },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: getAtt(ids.queue, 'Arn') });
    expect(ids.dlq).not.toBe(ids.pipelineDlq);
  });

  it.each([
    ['event queue', () => ids.queue, ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']],
    ['EventBridge dead-letter queue', () => ids.dlq, 'sqs:SendMessage'],
  ])('lets EventBridge send to the %s only for this rule, and still denies requests without TLS', (_n, id, action) => {
    // Assess
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(id())],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: action,
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ids.rule, 'Arn') } },
            Resource: getAtt(id(), 'Arn'),
          }),
        ]),
      },
    });
    // One policy per queue: the grant joined the enforceSSL policy instead of replacing it.
    expect(
      Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter(
        (policy) => JSON.stringify(policy.Properties.Queues) === JSON.stringify([ref(id())]),
      ),
    ).toHaveLength(1);
  });

  it('encrypts the EventBridge dead-letter queue, keeps messages 14 days, and alarms on one visible message', () => {
    // Assess
    expect(resourceOf(template, ids.dlq).Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    // One per dead-letter queue; the other alarms (lib/operations/alarms.ts) watch other metrics.
    const dlqAlarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' },
    });
    expect(Object.keys(dlqAlarms)).toHaveLength(2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(ids.dlq, 'QueueName') }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(logicalIdOf(ingressOf(stack).deadLetterAlarm)).toMatch(/EventBridgeDeadLetterAlarm/);
  });

  it('keeps the webhook: API, receiver, signing secret and their outputs, plus the EventBridge outputs', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(stack.pipeline.receiverFunction).toBeDefined();
    template.hasOutput('WebhookUrl', Match.anyValue());
    template.hasOutput('SigningSecretArn', Match.anyValue());
    template.hasOutput('EventBusName', { Value: ref(ids.bus) });
    template.hasOutput('EventBridgeDeadLetterQueueUrl', { Value: ref(ids.dlq) });
  });

  it('derives the pattern from the subscriptions entry it is given', () => {
    // Act
    const { pipeline, stack: teamStack } = pipelineIn({
      ingress: 'both',
      stripeEventSourceName: sourceName,
      subscriptionsEntry: exampleEntry,
    });
    // Assess
    const exampleTypes = encodeSubscribedTypes(subscribedTypesOf(exampleSubscriptions)).split(',');
    expect(exampleTypes).not.toEqual(projectTypes);
    expect(patternIn(Template.fromStack(teamStack))).toEqual({ source: [sourceName], 'detail-type': exampleTypes });
    expect(pipeline.eventBridgeIngress?.patternWidened).toBe(false);
  });
});

describe('ingress eventbridge', () => {
  let stack: StripeWebhooksStack;
  let template: Template;

  beforeAll(() => {
    // Act
    stack = buildStack({ senderAddress: sender, ingress: 'eventbridge', stripeEventSourceName: sourceName });
    template = Template.fromStack(stack);
  });

  it('has no public endpoint: no API, receiver or signing secret, nor their outputs', () => {
    // Assess
    for (const type of ['AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Route', 'AWS::SecretsManager::Secret']) {
      template.resourceCountIs(type, 0);
    }
    const { pipeline } = stack;
    expect([
      pipeline.receiver,
      pipeline.api,
      pipeline.webhookUrl,
      pipeline.receiverFunction,
      pipeline.signingSecret,
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).not.toContain('WebhookUrl');
    expect(outputs).not.toContain('SigningSecretName');
    expect(outputs).not.toContain('SigningSecretArn');
    expect(outputs).toEqual(expect.arrayContaining(['EventBusName', 'EventBridgeDeadLetterQueueUrl']));
  });

  it('keeps the consumer on the event queue, which the rule feeds', () => {
    // Assess: the consumer and the SES events function, no receiver.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(logicalIdOf(stack.pipeline.queue), 'Arn'),
      FunctionName: ref(logicalIdOf(stack.pipeline.consumerFunction)),
    });
    expect(resourceOf(template, logicalIdOf(ingressOf(stack).rule)).Properties?.Targets).toEqual([
      expect.objectContaining({ Arn: getAtt(logicalIdOf(stack.pipeline.queue), 'Arn') }),
    ]);
  });

  it('does not warn about webhook settings the app passes by default', () => {
    // Assess
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no webhook receiver'))).toHaveLength(
      0,
    );
  });

  it('warns when a team gives webhook-only props with it', () => {
    // Act
    const { stack: teamStack } = pipelineIn({
      ingress: 'eventbridge',
      stripeEventSourceName: sourceName,
      signingSecretName: 'payments/signing-secret',
      stripeIpAllowlist: true,
    });
    // Assess
    const warnings = Annotations.fromStack(teamStack).findWarning(
      '*',
      Match.stringLikeRegexp('no webhook receiver: signingSecretName, stripeIpAllowlist are ignored'),
    );
    expect(warnings).toHaveLength(1);
  });
});

describe('cdk-nag', () => {
  it.each(['both', 'eventbridge'])(
    'passes with ingress %s, the EventBridge dead-letter queue acknowledged',
    (ingress) => {
      // Prepare
      const app = new App({
        context: { ...skipBundling, senderAddress: sender, ingress, stripeEventSourceName: sourceName },
      });
      const stack = addStripeWebhooks(app);
      // Act
      const assembly = app.synth();
      // Assess
      expect(assembly.getStackByName(stack.stackName).template).toBeDefined();
      const acknowledged = ingressOf(stack)
        .deadLetterQueue.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.keys(m.data as Record<string, string>));
      expect(acknowledged.map((rule) => rule.replace(/^\w+::/, ''))).toEqual(['AwsSolutions-SQS3']);
    },
  );
});

describe('the rule’s event pattern', () => {
  it('matches a prefix entry by prefix, keeping its dot, and thin event types like any other', () => {
    // Act
    const { template } = ingressFor(['invoice.paid', 'charge.dispute.*', 'v1.billing.meter.error_report_triggered']);
    // Assess
    expect(patternIn(template)).toEqual({
      source: [sourceName],
      'detail-type': [{ prefix: 'charge.dispute.' }, 'invoice.paid', 'v1.billing.meter.error_report_triggered'],
    });
  });

  it.each([[['*']], [['invoice.paid', '*']]])('has no detail-type filter when * is subscribed (%j)', (types) => {
    // Act
    const { template } = ingressFor(types);
    // Assess
    expect(patternIn(template)).toEqual({ source: [sourceName] });
  });

  it('refuses an entry that is not an event type, like the receiver does', () => {
    // Act / Assess
    expect(() => ingressFor(['Invoice Paid'])).toThrow(/is not a subscribed event type/);
  });

  it('stays exact up to the size limit and widens one character past it', () => {
    // Prepare
    const types = ['invoice.paid', 'invoice.payment_failed', 'charge.refunded'];
    const exactSize = JSON.stringify(stripeEventPatternOf(sourceName, types).pattern).length;
    // Act
    const atLimit = stripeEventPatternOf(sourceName, types, exactSize);
    const pastLimit = stripeEventPatternOf(sourceName, types, exactSize - 1);
    // Assess
    expect(atLimit.widened).toBe(false);
    expect(atLimit.pattern['detail-type']).toEqual(['charge.refunded', 'invoice.paid', 'invoice.payment_failed']);
    expect(pastLimit).toEqual({
      pattern: { source: [sourceName], 'detail-type': [{ prefix: 'charge.' }, { prefix: 'invoice.' }] },
      widened: true,
    });
  });

  it('widens a list too long for EventBridge’s 2,048 characters to first-segment prefixes, with a warning', () => {
    // Prepare
    const many = Array.from({ length: 200 }, (_, i) => `invoice.custom_type_number_${i}`);
    // Act
    const { template, stack } = ingressFor([...many, 'charge.refunded', 'v1.billing.meter.error_report_triggered']);
    // Assess
    expect(eventPatternMaxCharacters).toBe(2_048);
    expect(JSON.stringify([...many, 'charge.refunded']).length).toBeGreaterThan(2_048);
    expect(patternIn(template)).toEqual({
      source: [sourceName],
      'detail-type': [{ prefix: 'charge.' }, { prefix: 'invoice.' }, { prefix: 'v1.' }],
    });
    expect(
      Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('too many event types for an EventBridge')),
    ).toHaveLength(1);
  });

  it('drops the type filter when even the prefixes do not fit, still within the limit', () => {
    // Prepare: 300 different first segments.
    const many = Array.from({ length: 300 }, (_, i) => `custom_object_number_${i}.created`);
    // Act
    const { template, stack } = ingressFor(many);
    // Assess
    expect(patternIn(template)).toEqual({ source: [sourceName] });
    expect(
      Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('lets through every type')),
    ).toHaveLength(1);
  });

  it('does not warn for a list that fits', () => {
    // Act
    const { stack } = ingressFor(projectTypes);
    // Assess
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toHaveLength(0);
  });
});

describe('stripeEventSourceName and ingress are validated', () => {
  it.each([
    [
      { ingress: 'eventbridge' },
      /prop "stripeEventSourceName" is missing, but it must be the name of the partner event source .* which ingress "eventbridge" needs\./,
    ],
    [{ ingress: 'both' }, /prop "stripeEventSourceName" is missing, .* ingress "both" needs/],
    [
      { ingress: 'both', stripeEventSourceName: 'aws.partner/example.com/ed_x' },
      /prop "stripeEventSourceName" is "aws.partner\/example.com\/ed_x", but it must be the name of the partner event source/,
    ],
    [{ ingress: 'both', stripeEventSourceName: 'aws.partner/stripe.com/ed x' }, /prop "stripeEventSourceName" is/],
    [{ ingress: 'both', stripeEventSourceName: 'aws.partner/stripe.com/ed_x/' }, /prop "stripeEventSourceName" is/],
    [{ ingress: 'both', stripeEventSourceName: `aws.partner/stripe.com/${'x'.repeat(240)}` }, /at most 256 characters/],
    [{ stripeEventSourceName: sourceName }, /prop "stripeEventSourceName" is set, but ingress is "webhook"/],
    [{ ingress: 'sideways' }, /prop "ingress" is "sideways", but it must be one of "webhook", "eventbridge" or "both"/],
  ] as const)('as props: fails synth for %j with a message that says what to fix', (props, message) => {
    // Act / Assess
    expect(() => pipelineIn(props as Partial<StripeWebhookPipelineProps>)).toThrow(message);
  });

  it('as props: accepts a Stripe partner event source', () => {
    // Act
    const { pipeline } = pipelineIn({ ingress: 'eventbridge', stripeEventSourceName: sourceName });
    // Assess
    expect(pipeline.eventBridgeIngress?.eventBus).toBeDefined();
  });

  it.each([
    [
      { ingress: 'eventbridge' },
      /Context value "stripeEventSourceName" is undefined, but it must be the name of the partner event source/,
    ],
    [{ ingress: 'both', stripeEventSourceName: '  ' }, /Context value "stripeEventSourceName" is undefined/],
    [{ ingress: 'both', stripeEventSourceName: 'ed_test_x' }, /Context value "stripeEventSourceName" is "ed_test_x"/],
    [{ stripeEventSourceName: sourceName }, /Context value "stripeEventSourceName" .* with ingress "webhook"/],
    [{ ingress: 'EventBridge' }, /Context value "ingress" is "EventBridge", but it must be one of "webhook"/],
    [{ ingress: true }, /Context value "ingress" is true, but it must be a string/],
  ])('as context: rejects %j', (context, message) => {
    // Act / Assess
    expect(() => configOf(context)).toThrow(InvalidContextError);
    expect(() => configOf(context)).toThrow(message);
    // The stack reads the same keys, with the same checks.
    expect(() => buildStack(context)).toThrow(message);
  });

  it('as context: reads -c ingress and -c stripeEventSourceName, defaulting to the webhook', () => {
    // Act / Assess
    expect(configOf({})).toMatchObject({ ingress: 'webhook', stripeEventSourceName: undefined });
    expect(configOf({ ingress: ' both ', stripeEventSourceName: sourceName })).toMatchObject({
      ingress: 'both',
      stripeEventSourceName: sourceName,
    });
  });
});
