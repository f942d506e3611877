/**
 * The managed Stripe endpoint (`-c stripeEndpoint=managed`) and the reconciler (`-c reconciler=true`):
 * their resources, their IAM (least privilege), and no secret-looking value anywhere in the template.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { declaredStripeApiVersion } from '../../config/stripe-api-version';
import { InvalidContextError } from '../../lib/app-context';
import { ManagedStripeEndpoint } from '../../lib/managed-stripe-endpoint';
import { StripeReconciler } from '../../lib/stripe-reconciler';
import { buildStack, logicalIdOf, resourcesOf, statementsOfRole } from './infra-helpers';

const managed = { stripeEndpoint: 'managed', stripeApiKeySecretName: 'stripe-webhooks/dev/stripe-api-key' };
const stack = buildStack({ ...managed, reconciler: 'true' });
const template = Template.fromStack(stack);
const endpoint = stack.node.findAll().find((c): c is ManagedStripeEndpoint => c instanceof ManagedStripeEndpoint);
const reconciler = stack.node.findAll().find((c): c is StripeReconciler => c instanceof StripeReconciler);
// One more stack with every other setting, and one with neither feature: each stack costs seconds.
const other = Template.fromStack(
  buildStack({
    ...managed,
    stripeEndpointOnDelete: 'delete',
    stripeEndpointConnect: 'true',
    reconciler: 'true',
    reconcilerIntervalMinutes: '15',
  }),
);
const neither = Template.fromStack(buildStack({ stripeApiKeySecretName: 'k' }));

const roleOf = (fn: { role?: unknown } | undefined): string => {
  const role = fn?.role as Parameters<typeof logicalIdOf>[0] | undefined;
  if (role === undefined) throw new Error('no role');
  return logicalIdOf(role);
};

describe('the managed Stripe endpoint', () => {
  it('is a custom resource with the stack URL, the registry events and the declared API version', () => {
    expect(endpoint).toBeDefined();
    const [properties] = Object.values(template.findResources('Custom::StripeWebhookEndpoint')).map(
      (r) => r.Properties,
    );
    expect(properties).toMatchObject({
      EnabledEvents: [
        'charge.refunded',
        'checkout.session.completed',
        'customer.subscription.deleted',
        'customer.subscription.trial_will_end',
        'invoice.paid',
        'invoice.payment_action_required',
        'invoice.payment_failed',
      ],
      ApiVersion: declaredStripeApiVersion,
      Owner: stack.stackName,
      Connect: 'false',
      OnDelete: 'disable',
    });
    // The URL is the HTTP API's: a reference, resolved by CloudFormation.
    expect(properties.Url).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack.pipeline.api as never), 'ApiEndpoint'] }, '/webhook']],
    });
  });

  it('puts no secret in properties, outputs or anywhere in the template, and exposes no attribute of the resource', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/whsec_|sk_(live|test)_|rk_(live|test)_/);
    const resourceId = logicalIdOf(endpoint?.resource as never);
    expect(JSON.stringify(template.toJSON().Outputs)).not.toContain(resourceId);
    expect(json).not.toMatch(new RegExp(`"Fn::GetAtt":\\["${resourceId}"`));
  });

  it("may read the API key, and only read and put the stack's signing secret", () => {
    const statements = statementsOfRole(template, roleOf(endpoint?.fn));
    const secretActions = statements.flatMap((s) => s.Action).filter((a) => a.startsWith('secretsmanager:'));
    expect(new Set(secretActions)).toEqual(
      new Set(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue']),
    );
    const put = statements.find((s) => s.Action.includes('secretsmanager:PutSecretValue'));
    expect(put?.Resource).toEqual([{ Ref: logicalIdOf(stack.pipeline.signingSecret as never) }]);
    expect(statements.flatMap((s) => s.Action).filter((a) => !a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('takes OnDelete and Connect from the context', () => {
    other.hasResourceProperties('Custom::StripeWebhookEndpoint', { OnDelete: 'delete', Connect: 'true' });
  });

  it('is refused without stripeApiKeySecretName, saying what to set', () => {
    const refused = (() => {
      try {
        buildStack({ stripeEndpoint: 'managed' });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(InvalidContextError);
    expect((refused as Error).message).toMatch(/stripeApiKeySecretName=<secret name>/);
  });

  it('is not there by default', () => {
    expect(Object.keys(neither.findResources('Custom::StripeWebhookEndpoint'))).toEqual([]);
  });
});

describe('the reconciler', () => {
  it('runs hourly on EventBridge Scheduler, or at reconcilerIntervalMinutes', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)' });
    other.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  it('may send to the queue, GetItem on the table, put large bodies under events/ and read the key; nothing more', () => {
    const actions = new Set(statementsOfRole(template, roleOf(reconciler?.fn)).flatMap((s) => s.Action));
    expect([...actions].filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect([...actions].filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject']);
    expect([...actions].filter((a) => a.startsWith('secretsmanager:')).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actions.has('sqs:SendMessage')).toBe(true);
    expect([...actions].some((a) => a.startsWith('sqs:Receive') || a.startsWith('sqs:Delete'))).toBe(false);
  });

  it('alarms through the alarm topic, on ALARM and OK, when it recovers an event or fails to queue one', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      ['RecoveredEvents', 'ReconcileFailures'].includes(String(alarm.Properties?.MetricName)),
    );
    expect(alarms.map((alarm) => alarm.Properties?.MetricName).sort()).toEqual([
      'ReconcileFailures',
      'RecoveredEvents',
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        Namespace: 'StripeWebhooks',
        Threshold: 1,
        Dimensions: expect.arrayContaining([{ Name: 'service', Value: 'stripe-webhook-reconciler' }]),
      });
      expect(alarm.Properties?.AlarmActions).toHaveLength(1);
      expect(alarm.Properties?.OKActions).toEqual(alarm.Properties?.AlarmActions);
    }
    expect(
      Object.values(neither.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties?.MetricName),
    ).not.toContain('RecoveredEvents');
  });

  it('is refused without stripeApiKeySecretName, and absent by default', () => {
    expect(() => buildStack({ reconciler: 'true' })).toThrow(/Events: Read/);
    expect(Object.keys(neither.findResources('AWS::Scheduler::Schedule'))).toEqual([]);
    expect(Object.keys(resourcesOf(template)).length).toBeGreaterThan(0);
  });
});
