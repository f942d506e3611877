/**
 * The dashboard's alarm widget shows every alarm of the stack, those the optional features add after the
 * dashboard is built (`BillingSyncErrors`, `DisputeReminderFailures`, the reconciler's) too.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { buildStack } from './infra-helpers';

// One stack with every feature that adds alarms late (the reconciler's come from addStripeRecovery): a synth costs seconds.
const template = Template.fromStack(
  buildStack({
    billingState: 'true',
    businessAlerts: 'true',
    reconciler: 'true',
    stripeApiKeySecretName: 'stripe/api-key',
  }),
);

/** The logical ids of the alarms the dashboard's body names (`{"Fn::GetAtt":[id,"Arn"]}` tokens in its Fn::Join). */
function alarmsOnTheDashboard(): string[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
  const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
  return [...body.matchAll(/\{"Fn::GetAtt":\["([^"]+)","Arn"\]\}/g)]
    .map((match) => match[1] ?? '')
    .filter((id) => alarmIds.includes(id));
}

describe("the dashboard's alarm widget", () => {
  it('shows every alarm of the stack, the billing sync and dispute reminder ones made after the dashboard too', () => {
    // Prepare
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    const late = alarms.filter((id) =>
      /BillingSyncErrors|DisputeReminderFailures|RecoveredEvents|ReconcileFailures/.test(id),
    );
    // Act
    const shown = alarmsOnTheDashboard();
    // Assess
    expect(late).toHaveLength(4);
    expect([...shown].sort()).toEqual([...alarms].sort());
  });
});
