import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StripeWebhookPipeline, type StripeWebhookPipelineProps } from 'stripe-webhooks-aws/cdk';
import { defaultAlarmThresholds } from '../../lib/operations/alarm-thresholds';
import { buildStack, logicalIdOf, resourcesOf, skipBundling } from './infra-helpers';

jest.setTimeout(60_000);

const eventSource = 'aws.partner/stripe.com/ed_test_61RkNotARealSource';
const existingTopic = 'arn:aws:sns:eu-west-1:123456789012:pager';

function pipelineIn(props: Partial<StripeWebhookPipelineProps> = {}): {
  pipeline: StripeWebhookPipeline;
  template: Template;
} {
  const app = new App({ context: skipBundling });
  const stack = new Stack(app, 'TeamStack');
  const pipeline = new StripeWebhookPipeline(stack, 'Webhooks', { senderAddress: 'receipts@example.org', ...props });
  return { pipeline, template: Template.fromStack(stack) };
}

interface AlarmRow {
  readonly id: string;
  readonly metric: string;
  readonly threshold: number;
  readonly operator: string;
  readonly actions: unknown[];
  readonly ok: unknown[];
}

function alarmsOf(template: Template): AlarmRow[] {
  return Object.entries(resourcesOf(template))
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .map(([id, r]) => {
      const p = r.Properties as Record<string, unknown>;
      const metrics = (p.Metrics as { Expression?: string }[] | undefined) ?? [];
      return {
        id,
        metric: (p.MetricName as string | undefined) ?? metrics.find((m) => m.Expression)?.Expression ?? '',
        threshold: p.Threshold as number,
        operator: p.ComparisonOperator as string,
        actions: p.AlarmActions as unknown[],
        ok: p.OKActions as unknown[],
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('alarms (the stack as deployed)', () => {
  const stack = buildStack({ senderAddress: 'receipts@example.org' });
  const template = Template.fromStack(stack);
  const topicRef = { Ref: logicalIdOf(stack.pipeline.alarmTopic.topic as never) };

  it('has the alarms the runbook lists, with their thresholds, each sending to the topic on ALARM and on OK', () => {
    // Act
    const alarms = alarmsOf(template);
    // Assess
    expect(
      alarms.map(({ id, metric, threshold, operator }) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        metric,
        threshold,
        operator,
      ]),
    ).toEqual([
      ['EventsDeadLetterAlarm', 'ApproximateNumberOfMessagesVisible', 1, 'GreaterThanOrEqualToThreshold'],
      ['OperationsAlarmsApiServerErrors', '5xx', 5, 'GreaterThanOrEqualToThreshold'],
      ['OperationsAlarmsConsumerErrors', 'FILL(failed, 0) + FILL(errors, 0)', 5, 'GreaterThanOrEqualToThreshold'],
      ['OperationsAlarmsConsumerThrottles', 'Throttles', 1, 'GreaterThanOrEqualToThreshold'],
      ['OperationsAlarmsOldestEventAge', 'ApproximateAgeOfOldestMessage', 1800, 'GreaterThanThreshold'],
      [
        'OperationsAlarmsReceiverServerErrorRate',
        expect.stringMatching(/^100 \* \(FILL\(enqueueFailed, 0\)/),
        5,
        'GreaterThanOrEqualToThreshold',
      ],
      ['OperationsAlarmsReceiverThrottles', 'Throttles', 1, 'GreaterThanOrEqualToThreshold'],
      ['OperationsAlarmsSesBounceRate', 'Reputation.BounceRate', 0.04, 'GreaterThanOrEqualToThreshold'],
      ['OperationsAlarmsSesComplaintRate', 'Reputation.ComplaintRate', 0.0008, 'GreaterThanOrEqualToThreshold'],
      ['OperationsAlarmsSignatureMismatches', 'Rejected', 2, 'GreaterThanThreshold'],
      ['OperationsAlarmsThrottledRequeues', 'Throttled', 20, 'GreaterThanOrEqualToThreshold'],
    ]);
    for (const alarm of alarms) {
      expect({ id: alarm.id, actions: alarm.actions, ok: alarm.ok }).toEqual({
        id: alarm.id,
        actions: [topicRef],
        ok: [topicRef],
      });
    }
    expect(stack.pipeline.alarms.all).toHaveLength(alarms.length);
  });

  it('counts signature mismatches from the receiver metric with reason=signature_mismatch, and never pages on silence', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'StripeWebhooks',
      MetricName: 'Rejected',
      Dimensions: Match.arrayWith([
        { Name: 'reason', Value: 'signature_mismatch' },
        { Name: 'service', Value: 'stripe-webhook-receiver' },
        { Name: 'stage', Value: 'dev' },
      ]),
      Statistic: 'Sum',
      Period: 300,
    });
    const missing = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (r) => (r.Properties as { TreatMissingData: string }).TreatMissingData,
    );
    expect(new Set(missing)).toEqual(new Set(['notBreaching']));
  });

  it('creates an encrypted, TLS-only topic that CloudWatch alarms may publish to, and outputs its ARN', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 1); // only the SES events function's
    const topics = template.findResources('AWS::SNS::Topic', {
      Properties: { DisplayName: 'Stripe webhook pipeline alarms' },
    });
    expect(Object.keys(topics)).toEqual([topicRef.Ref]);
    expect(topics[topicRef.Ref]?.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.pipeline.alarmTopic.key as never), 'Arn'],
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
    template.hasOutput('AlarmTopicArn', { Value: topicRef });
  });
});

describe('who hears the alarms', () => {
  it('subscribes -c alarmEmail by e-mail', () => {
    const template = Template.fromStack(buildStack({ alarmEmail: 'ops@example.com' }));
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('sends to an existing topic (-c alarmTopicArn) instead of creating one', () => {
    // Act
    const template = Template.fromStack(buildStack({ alarmTopicArn: existingTopic }));
    // Assess
    expect(
      template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'Stripe webhook pipeline alarms' } }),
    ).toEqual({});
    const alarms = alarmsOf(template);
    expect(alarms.length).toBeGreaterThan(5);
    for (const alarm of alarms) expect([alarm.actions, alarm.ok]).toEqual([[existingTopic], [existingTopic]]);
  });

  it('refuses an address or ARN that cannot work, saying what it must be', () => {
    expect(() => buildStack({ alarmEmail: 'ops' })).toThrow(/"alarmEmail" is "ops", but it must be an e-mail address/);
    expect(() => buildStack({ alarmTopicArn: 'pager' })).toThrow(
      /"alarmTopicArn" is "pager", but it must be the ARN of an SNS topic/,
    );
    expect(() => pipelineIn({ alarmEmail: 'x@' })).toThrow(/prop "alarmEmail" is "x@"/);
  });
});

describe('alarm thresholds (construct props)', () => {
  it('uses the thresholds given, and the defaults for the others', () => {
    // Act
    const { pipeline, template } = pipelineIn({
      alarmThresholds: { oldestEventAgeMinutes: 10, signatureMismatchesPer5Minutes: 0, sesComplaintRatePercent: 0.05 },
    });
    // Assess
    expect(pipeline.alarms.thresholds).toEqual({
      ...defaultAlarmThresholds,
      oldestEventAgeMinutes: 10,
      signatureMismatchesPer5Minutes: 0,
      sesComplaintRatePercent: 0.05,
    });
    const byMetric = Object.fromEntries(alarmsOf(template).map((a) => [a.metric, a.threshold]));
    expect(byMetric).toMatchObject({
      ApproximateAgeOfOldestMessage: 600,
      Rejected: 0,
      'Reputation.ComplaintRate': 0.0005,
    });
  });

  it('refuses a threshold out of range, naming it and its rule', () => {
    expect(() => pipelineIn({ alarmThresholds: { consumerErrorsPer5Minutes: 0 } })).toThrow(
      'Alarm threshold "consumerErrorsPer5Minutes" is 0, but it must be a whole number, 1 or more.',
    );
    expect(() => pipelineIn({ alarmThresholds: { sesBounceRatePercent: 150 } })).toThrow(
      /sesBounceRatePercent.*percentage/,
    );
  });

  it('sends an alarm of your own to the same topic with alarms.add', () => {
    // Prepare
    const app = new App({ context: skipBundling });
    const pipeline = new StripeWebhookPipeline(new Stack(app, 'TeamStack'), 'Webhooks', {
      senderAddress: 'receipts@example.org',
    });
    const mine = pipeline.queue
      .metricNumberOfMessagesSent()
      .createAlarm(pipeline, 'Mine', { threshold: 1000, evaluationPeriods: 1 });
    // Act
    pipeline.alarms.add(mine);
    // Assess
    const template = Template.fromStack(Stack.of(pipeline));
    const alarm = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'NumberOfMessagesSent' } }),
    )[0];
    expect(alarm?.Properties.AlarmActions).toEqual([{ Ref: logicalIdOf(pipeline.alarmTopic.topic as never) }]);
    expect(alarm?.Properties.OKActions).toHaveLength(1);
    expect(pipeline.alarms.all).toContain(mine);
  });
});

describe('alarms with EventBridge ingress', () => {
  it('has no receiver or API alarm without a webhook, and the EventBridge dead-letter alarm sends to the topic', () => {
    // Act
    const stack = buildStack({ ingress: 'eventbridge', stripeEventSourceName: eventSource });
    // Assess
    const alarms = alarmsOf(Template.fromStack(stack));
    const ids = alarms.map((a) => a.id);
    expect(ids.some((id) => /Receiver|Signature|ApiServer/.test(id))).toBe(false);
    expect(ids.filter((id) => id.includes('DeadLetterAlarm'))).toHaveLength(2);
    const topicRef = { Ref: logicalIdOf(stack.pipeline.alarmTopic.topic as never) };
    for (const alarm of alarms) expect([alarm.actions, alarm.ok]).toEqual([[topicRef], [topicRef]]);
  });
});

describe('logs and limits from the context', () => {
  function fnProps(template: Template): Record<string, unknown>[] {
    return Object.values(template.findResources('AWS::Lambda::Function'))
      .map((r) => r.Properties as Record<string, unknown>)
      .filter(
        (p) => (p.Environment as { Variables?: Record<string, string> } | undefined)?.Variables?.STAGE !== undefined,
      );
  }

  it('gives every function the log level (INFO by default, -c logLevel), keeps logs -c logRetentionDays, and reserves the receiver’s concurrency', () => {
    // Act
    const byDefault = Template.fromStack(buildStack());
    const changed = Template.fromStack(
      buildStack({ logLevel: 'warn', logRetentionDays: '90', receiverReservedConcurrency: '50' }),
    );
    // Assess
    const levels = (t: Template) =>
      fnProps(t).map((p) => (p.Environment as { Variables: Record<string, string> }).Variables.POWERTOOLS_LOG_LEVEL);
    expect(levels(byDefault)).toEqual(['INFO', 'INFO', 'INFO']);
    expect(levels(changed)).toEqual(['WARN', 'WARN', 'WARN']);
    const retention = (t: Template) =>
      Object.values(t.findResources('AWS::Logs::LogGroup')).map((r) => r.Properties.RetentionInDays);
    expect(new Set(retention(byDefault))).toEqual(new Set([30]));
    expect(retention(changed)).toEqual([90, 90, 90, 90]); // three functions and the API access logs
    const reserved = (t: Template) =>
      fnProps(t)
        .map((p) => p.ReservedConcurrentExecutions)
        .filter((v) => v !== undefined);
    expect(reserved(byDefault)).toEqual([]);
    expect(reserved(changed)).toEqual([50]);
    changed.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Verifies Stripe webhook signatures'),
      ReservedConcurrentExecutions: 50,
    });
  });

  it('refuses a log level, a retention or a concurrency that cannot work', () => {
    expect(() => buildStack({ logLevel: 'LOUD' })).toThrow(/"logLevel" is "LOUD", but it must be one of DEBUG, INFO/);
    expect(() => buildStack({ logRetentionDays: '31' })).toThrow(
      /"logRetentionDays" is 31, but it must be a number of days CloudWatch Logs offers: 1, 3, 5/,
    );
    expect(() => buildStack({ receiverReservedConcurrency: '0' })).toThrow(/"receiverReservedConcurrency" is 0/);
  });
});

describe('dashboard', () => {
  function widgetTitles(template: Template): string[] {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    // The body is an Fn::Join of strings and tokens: its literal parts hold the titles.
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    return [...body.matchAll(/\\"title\\":\\"([^\\]+)\\"/g)].map((match) => match[1] ?? '');
  }

  it('shows requests, latency, the queue, events, emails, the DLQs and the alarms, and can be left out', () => {
    // Act
    const webhook = Template.fromStack(buildStack());
    const eventBridge = Template.fromStack(buildStack({ ingress: 'both', stripeEventSourceName: eventSource }));
    const none = Template.fromStack(buildStack({ dashboard: 'false' }));
    // Assess
    expect(widgetTitles(webhook)).toEqual([
      'Alarms',
      'Requests and status classes',
      'Receiver latency (ms)',
      'Signature problems',
      'Event queue: depth and age',
      'Events',
      'Emails',
      'Dead-letter queues',
    ]);
    const body = JSON.stringify(webhook.findResources('AWS::CloudWatch::Dashboard'));
    for (const metric of [
      'EmailsSent',
      'EmailsSuppressed',
      'Throttled',
      'Duplicate',
      'Failed',
      'Ignored',
      'p99',
      'p50',
    ]) {
      expect(body).toContain(metric);
    }
    expect(JSON.stringify(eventBridge.findResources('AWS::CloudWatch::Dashboard'))).toContain('EventBridge DLQ');
    webhook.hasOutput('DashboardName', {});
    none.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

describe('tracing (-c tracing=true)', () => {
  it('turns on active X-Ray tracing and the Powertools Tracer on the receiver and the consumer only when asked', () => {
    // Act
    const off = Template.fromStack(buildStack());
    const on = Template.fromStack(buildStack({ tracing: 'true' }));
    // Assess
    const traced = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function'))
        .filter((r) => (r.Properties.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active')
        .map((r) => ({
          description: r.Properties.Description as string,
          env: (r.Properties.Environment as { Variables: Record<string, string> }).Variables,
        }));
    expect(traced(off)).toEqual([]);
    expect(JSON.stringify(off.toJSON())).not.toContain('POWERTOOLS_TRACE_ENABLED');
    const tracedOn = traced(on);
    expect(tracedOn.map((fn) => fn.description).sort()).toEqual([
      'Processes queued Stripe events once each and sends the e-mails',
      'Verifies Stripe webhook signatures and queues the raw events',
    ]);
    for (const { env } of tracedOn) {
      expect(env).toMatchObject({
        POWERTOOLS_TRACE_ENABLED: 'true',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
      });
    }
    on.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
        ]),
      },
    });
  });
});
