import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { StripeWebhookPipeline, type StripeWebhookPipelineProps } from 'stripe-webhooks-aws/cdk';
import { encodeSubscribedTypes, fitSubscribedTypes, subscribedTypeMatcher } from '../../config/subscribed-types';
import exampleSubscriptions from '../../examples/custom-handlers/subscriptions';
import { subscribedTypesOf } from '../../functions/consumer/define-subscriptions';
import projectSubscriptions from '../../functions/subscriptions';
import { buildStack, pipelineIn, resourceOf, skipBundling } from './infra-helpers';

jest.setTimeout(60_000);

const exampleEntry = path.join(__dirname, '..', '..', 'examples', 'custom-handlers', 'subscriptions.ts');

function receiverTypes(stack: Stack, pipeline: StripeWebhookPipeline): string {
  if (pipeline.receiverFunction === undefined) throw new Error('webhook ingress without receiver');
  const variables = resourceOf(
    Template.fromStack(stack),
    stack.getLogicalId(pipeline.receiverFunction.node.defaultChild as never),
  ).Properties?.Environment as { Variables: Record<string, string> };
  return variables.Variables.SUBSCRIBED_EVENT_TYPES ?? '';
}

describe('StripeWebhookPipeline in a team’s own stack', () => {
  it('exposes what it creates, for grants and alarms', () => {
    // Act
    const { pipeline } = pipelineIn();
    // Assess
    expect(pipeline.table.tableName).toBeDefined();
    expect(pipeline.queue.queueArn).toBeDefined();
    expect(pipeline.deadLetterQueue.queueArn).toBeDefined();
    expect(pipeline.deadLetterAlarm.alarmArn).toBeDefined();
    expect(pipeline.ingress).toBe('webhook');
    expect(pipeline.signingSecret?.secretArn).toBeDefined();
    expect(pipeline.largeEventBucket.bucketName).toBeDefined();
    expect(pipeline.consumerFunction.functionName).toBeDefined();
    expect(pipeline.receiverFunction?.functionName).toBeDefined();
    expect(pipeline.webhookUrl).toMatch(/\/webhook$/);
    expect(pipeline.eventBridgeIngress).toBeUndefined();
    expect(pipeline.settings.stage).toBe('dev');
  });

  it('uses a bucket it is given instead of creating one', () => {
    // Prepare
    const app = new App({ context: skipBundling });
    const stack = new Stack(app, 'TeamStack');
    const bucket = new Bucket(stack, 'Shared');
    // Act
    const pipeline = new StripeWebhookPipeline(stack, 'Webhooks', {
      senderAddress: 'receipts@example.org',
      largeEventBucket: bucket,
    });
    // Assess
    expect(pipeline.largeEvents).toBeUndefined();
    expect(pipeline.largeEventBucket).toBe(bucket);
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::S3::Bucket'))).toHaveLength(1);
  });

  it('passes its consumer environment to the consumer', () => {
    // Act
    const { pipeline, stack } = pipelineIn({ consumerEnvironment: { FINANCE_ADDRESS: 'finance@example.org' } });
    const consumer = resourceOf(
      Template.fromStack(stack),
      stack.getLogicalId(pipeline.consumerFunction.node.defaultChild as never),
    );
    // Assess
    expect(consumer.Properties?.Environment).toMatchObject({ Variables: { FINANCE_ADDRESS: 'finance@example.org' } });
  });

  it.each([
    [{ senderAddress: 'not-an-address' }, /prop "senderAddress" is "not-an-address", but it must be an e-mail address/],
    [{ sesIdentity: 'example.com' }, /prop "sesIdentity" is "example.com", but it must be the sender address/],
    [{ signingSecretName: 'has spaces' }, /prop "signingSecretName" .* Secrets Manager name/],
    [{ localEndpointUrl: 'localhost:5000' }, /prop "localEndpointUrl" .* an http\(s\) URL/],
    [{ consumerEnvironment: { STAGE: 'x' } }, /prop "consumerEnvironment" sets STAGE, which the pipeline sets itself/],
    [{ consumerBatchSize: 11 }, /Setting "consumerBatchSize" is 11, but it must be an integer from 1 to 10/],
    [
      { subscriptionsEntry: '/nowhere/subscriptions.ts' },
      /subscriptionsEntry "\/nowhere\/subscriptions.ts" does not exist/,
    ],
    [
      { subscriptionsEntry: path.join(__dirname, '..', 'fixtures', 'not-subscriptions.ts') },
      /not a set of subscriptions: a subscriptions module must `export default defineSubscriptions/,
    ],
    [
      { subscriptionsEntry: path.join(__dirname, '..', 'fixtures', 'no-subscriptions.ts') },
      /subscribes to no event type, so the receiver would drop every event/,
    ],
  ] as const)('fails synth for %j with a message that says what to fix', (props, message) => {
    // Act / Assess
    expect(() => pipelineIn(props as Partial<StripeWebhookPipelineProps>)).toThrow(message);
  });
});

describe("the receiver's subscribed types come from the subscriptions at synth", () => {
  it("equal the project's registry for the project's stack", () => {
    // Act
    const stack = buildStack({ senderAddress: 'receipts@example.org' });
    // Assess
    expect(receiverTypes(stack, stack.pipeline)).toBe(encodeSubscribedTypes(subscribedTypesOf(projectSubscriptions)));
    expect(stack.pipeline.subscribedEventTypes).toEqual(subscribedTypesOf(projectSubscriptions));
  });

  it("equal the example's registry for the example's entry: its own handler in, the switched-off email out", () => {
    // Act
    const { pipeline, stack } = pipelineIn({ subscriptionsEntry: exampleEntry });
    const value = receiverTypes(stack, pipeline);
    // Assess
    expect(value).toBe(encodeSubscribedTypes(subscribedTypesOf(exampleSubscriptions)));
    expect(value).toBe(
      'charge.refunded,customer.subscription.deleted,customer.subscription.trial_will_end,invoice.paid,invoice.payment_action_required,invoice.payment_failed,v1.billing.meter.error_report_triggered',
    );
    // The thin type goes to a thin destination, not on the webhook endpoint's list.
    expect(pipeline.enabledEvents.thin).toEqual(['v1.billing.meter.error_report_triggered']);
    expect(pipeline.enabledEvents.snapshot).not.toContain('v1.billing.meter.error_report_triggered');
    expect(pipeline.enabledEvents.snapshot).toContain('invoice.paid');
  });

  it('widens a list too long for Lambda’s environment to prefixes, which only ever queues more', () => {
    // Prepare
    const many = Array.from({ length: 200 }, (_, i) => `invoice.custom_type_number_${i}`);
    // Act
    const fitted = fitSubscribedTypes([...many, 'charge.refunded']);
    const matches = subscribedTypeMatcher(fitted.value);
    // Assess
    expect(fitted).toEqual({ value: 'charge.*,invoice.*', widened: true });
    expect([...many, 'charge.refunded'].every(matches)).toBe(true);
    expect(fitSubscribedTypes(['invoice.paid'])).toEqual({ value: 'invoice.paid', widened: false });
  });
});
