/**
 * `--all-features`, businessAlerts: what the operator does after the deploy (a queue subscribed to the alert
 * topic, to read the alerts back; the webhook secret was made before the deploy with the URL of the
 * rehearsal's own webhook server), then the deployed code run as its triggers would: a signed
 * `charge.dispute.created` through the receiver and the consumer (the alert on the topic and the webhook,
 * once; the reminder schedule in the deployed group), the deployed reminder function given the schedule's
 * input as EventBridge Scheduler would give it (moto's Scheduler stores schedules but never runs them),
 * and `charge.dispute.closed` deleting the schedule.
 */
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetScheduleCommand, type GetScheduleCommandOutput, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { disputeReminderScheduleName } from '../../functions/alerts/schedule-names';
import { buildAnyEvent } from '../event-catalogue';
import type { FakeStripeApi } from '../fake-stripe/server';
import { toStripeWebhookBody } from '../stripe-events';
import type { AlertWebhookServer } from './alert-webhook-server';
import type { FeatureRun } from './feature-steps';
import { rehearsalAlertEmail } from './features';
import { account, check, type DeployedFunction, invokeInChild } from './steps';
import { annotationValues, segmentNames } from './xray-listener';

/** The queue the rehearsal subscribes to the alert topic, as an operator subscribes their tools (not the stack's). */
export const rehearsalAlertQueueName = 'deploy-rehearsal-business-alerts';

/** One alert as the subscribed queue receives it: SNS's envelope (not raw delivery), read back. */
export interface ReceivedAlert {
  readonly subject: string;
  readonly text: string;
  readonly kind: string | undefined;
  readonly eventId: string | undefined;
}

/** Reads an SNS notification envelope as SQS receives it from a topic; undefined for anything else. */
export function parseSnsEnvelope(body: string): ReceivedAlert | undefined {
  let envelope: {
    Type?: unknown;
    Subject?: unknown;
    Message?: unknown;
    MessageAttributes?: Record<string, { Value?: unknown }>;
  };
  try {
    envelope = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (envelope.Type !== 'Notification' || typeof envelope.Message !== 'string') return undefined;
  const attribute = (name: string) => {
    const value = envelope.MessageAttributes?.[name]?.Value;
    return typeof value === 'string' ? value : undefined;
  };
  return {
    subject: typeof envelope.Subject === 'string' ? envelope.Subject : '',
    text: envelope.Message,
    kind: attribute('kind'),
    eventId: attribute('eventId'),
  };
}

/** The hours before `due_by` the reminder fires: the deployed consumer's own setting. */
function leadHours(consumer: DeployedFunction): number {
  return Number(consumer.env.DISPUTE_REMINDER_LEAD_HOURS ?? Number.NaN);
}

function describeSchedule(schedule: GetScheduleCommandOutput): string {
  return `${schedule.Name} ${schedule.ScheduleExpression} (${schedule.ActionAfterCompletion ?? 'no ActionAfterCompletion'})`;
}

export async function businessAlertsSteps(run: FeatureRun): Promise<void> {
  const { rehearsal } = run;
  const sqs = new SQSClient(run.sdk);
  const sns = new SNSClient(run.sdk);
  const scheduler = new SchedulerClient(run.sdk);
  const cfn = new CloudFormationClient(run.sdk);
  const fn = (role: string): DeployedFunction => {
    const found = run.functions()[role];
    check(found, `no deployed ${role} function`);
    return found;
  };
  const fake = (): FakeStripeApi => {
    const found = run.fake();
    check(found, 'the fake Stripe API is not running');
    return found;
  };
  const webhook = (): AlertWebhookServer => {
    const found = run.alertWebhook();
    check(found, "the rehearsal's alert webhook server is not running");
    return found;
  };
  let queueUrl = '';

  /** Every alert on the subscribed queue now (SNS delivers to SQS within the publish, in moto as in AWS within ms), taken off it. */
  const takeAlerts = async (): Promise<ReceivedAlert[]> => {
    const alerts: ReceivedAlert[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return alerts;
      for (const message of Messages) {
        const alert = parseSnsEnvelope(message.Body ?? '');
        check(
          alert,
          `a message on ${rehearsalAlertQueueName} is not an SNS notification: ${message.Body?.slice(0, 200)}`,
        );
        alerts.push(alert);
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  };
  const expectOneAlert = (alerts: ReceivedAlert[], kind: string, eventId: string): ReceivedAlert => {
    check(
      alerts.length === 1,
      `${alerts.length} alerts on the topic, expected 1 (${kind}): ${alerts.map((a) => `${a.kind} "${a.subject}"`).join('; ')}`,
    );
    const [alert] = alerts as [ReceivedAlert];
    check(alert.kind === kind, `the alert's kind attribute is ${alert.kind}, expected ${kind}`);
    check(alert.eventId === eventId, `the alert's eventId attribute is ${alert.eventId}, expected ${eventId}`);
    return alert;
  };
  const getSchedule = async (name: string): Promise<GetScheduleCommandOutput | undefined> => {
    try {
      return await scheduler.send(
        new GetScheduleCommand({ Name: name, GroupName: run.outputs().DisputeReminderScheduleGroupName }),
      );
    } catch (error) {
      if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  /** The physical id of the stack's resource of `type` whose logical id starts with `prefix`. */
  const stackResource = async (type: string, prefix: string): Promise<string> => {
    const { StackResourceSummaries = [] } = await cfn.send(new ListStackResourcesCommand({ StackName: run.stackName }));
    const found = StackResourceSummaries.find(
      (s) => s.ResourceType === type && s.LogicalResourceId?.startsWith(prefix),
    )?.PhysicalResourceId;
    check(found, `no ${type} ${prefix}... in the stack`);
    return found;
  };
  const invokeReminder = async (input: unknown): Promise<unknown> => {
    const reminder = fn('disputeReminder');
    const result = await invokeInChild(
      reminder.directory,
      reminder.handler,
      input,
      reminder.env,
      reminder.timeout,
      run.work,
    );
    check(result.ok, `the reminder function threw: ${result.error}\n${result.stderr.slice(-800)}`);
    return result.result;
  };

  // A live-mode chargeback (livemode=live), its evidence due 7 days after the event: the reminder is then
  // due 4 days from now. Stripe knows the dispute before it sends the event; so does the fake.
  const created = buildAnyEvent('charge.dispute.created', { livemode: true }).event;
  const dispute = (created.data as { object: Record<string, unknown> }).object;
  const disputeId = String(dispute.id);
  const dueBy = Number((dispute.evidence_details as { due_by?: unknown } | undefined)?.due_by);
  const scheduleName = disputeReminderScheduleName(disputeId);
  let scheduleInput: unknown;

  try {
    await rehearsal.step('businessAlerts: the alert topic; operator subscribes a queue to it', async () => {
      const topicArn = run.outputs().BusinessAlertTopicArn;
      check(topicArn, 'no BusinessAlertTopicArn output');
      // What moto holds of the topic's encryption and subscriptions: the key named (it encrypts nothing), the e-mail.
      const key = await stackResource('AWS::KMS::Key', 'BusinessAlertsKey');
      const { Attributes: topic = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
      check(
        topic.KmsMasterKeyId?.endsWith(`key/${key}`),
        `the alert topic's KmsMasterKeyId is ${topic.KmsMasterKeyId}, not the stack's key ${key}`,
      );
      const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
      check(
        Subscriptions.some((s) => s.Protocol === 'email' && s.Endpoint === rehearsalAlertEmail),
        `no e-mail subscription of ${rehearsalAlertEmail} on the alert topic`,
      );
      ({ QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: rehearsalAlertQueueName })));
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      const { SubscriptionArn } = await sns.send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes.QueueArn }),
      );
      return `topic encrypted with the stack's key ${key}, ${rehearsalAlertEmail} subscribed; ${rehearsalAlertQueueName} subscribed (${SubscriptionArn})`;
    });

    await rehearsal.step('charge.dispute.created → receiver → consumer → alert on topic and webhook', async () => {
      check(Number.isFinite(dueBy), `the built dispute has no evidence_details.due_by`);
      fake().setObject(dispute);
      const delivered = await run.deliver(toStripeWebhookBody(created as never));
      const consumed = await run.consume(fn('consumer'), 2);
      const alert = expectOneAlert(await takeAlerts(), 'dispute_created', created.id);
      const posts = webhook().posts();
      check(posts.length === 1, `the webhook got ${posts.length} posts, expected 1`);
      check(
        posts[0]?.contentType?.startsWith('application/json'),
        `the webhook post's content-type is ${posts[0]?.contentType}, expected application/json`,
      );
      check(
        posts[0]?.text?.includes(alert.subject.split(':')[0] ?? alert.subject),
        `the webhook's text does not carry the alert's subject "${alert.subject}": ${posts[0]?.text?.slice(0, 200)}`,
      );
      return `${delivered}; ${consumed}; "${alert.subject}" on the topic (kind dispute_created, ${created.id}) and posted to the webhook`;
    });

    await rehearsal.step('duplicate charge.dispute.created → no second alert', async () => {
      const delivered = await run.deliver(toStripeWebhookBody(created as never));
      const consumed = await run.consume(fn('consumer'), 2);
      const alerts = await takeAlerts();
      check(alerts.length === 0, `${alerts.length} more alerts on the topic after the duplicate, expected none`);
      const posts = webhook().posts().length;
      check(posts === 1, `the webhook got ${posts} posts after the duplicate, expected still 1`);
      return `${delivered}; ${consumed}; no alert on the topic, still 1 webhook post`;
    });

    await rehearsal.step('schedule dispute-reminder-<id> in the deployed group', async () => {
      const outputs = run.outputs();
      const schedule = await getSchedule(scheduleName);
      check(schedule, `no schedule ${scheduleName} in ${outputs.DisputeReminderScheduleGroupName}`);
      check(
        schedule.GroupName === outputs.DisputeReminderScheduleGroupName,
        `the schedule is in ${schedule.GroupName}, expected ${outputs.DisputeReminderScheduleGroupName}`,
      );
      const reminderArn = String(run.configurations().disputeReminder?.FunctionArn ?? '');
      check(
        schedule.Target?.Arn === reminderArn,
        `the schedule targets ${schedule.Target?.Arn}, not the deployed reminder function ${reminderArn}`,
      );
      // The stack's scheduler role, read from the stack (not from the consumer's environment, which made the schedule).
      const role = await stackResource('AWS::IAM::Role', 'BusinessAlertsSchedulerRole');
      const roleArn = `arn:aws:iam::${account}:role/${role}`;
      check(
        schedule.Target?.RoleArn === roleArn,
        `the schedule's role is ${schedule.Target?.RoleArn}, expected ${roleArn}`,
      );
      const at = `at(${new Date((dueBy - leadHours(fn('consumer')) * 3600) * 1000).toISOString().slice(0, 19)})`;
      check(schedule.ScheduleExpression === at, `the schedule fires ${schedule.ScheduleExpression}, expected ${at}`);
      check(schedule.ActionAfterCompletion === 'DELETE', `ActionAfterCompletion ${schedule.ActionAfterCompletion}`);
      scheduleInput = JSON.parse(schedule.Target?.Input ?? 'null');
      check(
        (scheduleInput as { disputeId?: unknown } | null)?.disputeId === disputeId,
        `the schedule's input ${schedule.Target?.Input} does not name ${disputeId}`,
      );
      return `${describeSchedule(schedule)} in ${schedule.GroupName}, role ${role}, target the deployed reminder function, input ${schedule.Target?.Input}`;
    });

    await rehearsal.step('reminder function (the schedule fires) → alert on topic and webhook', async () => {
      const segmentsBefore = run.xray()?.documents().length ?? 0;
      const result = await invokeReminder(scheduleInput);
      check(result === 'alerted', `the reminder function returned ${JSON.stringify(result)}, expected "alerted"`);
      const alert = expectOneAlert(await takeAlerts(), 'dispute_deadline', created.id);
      const posts = webhook().posts().length;
      check(posts === 2, `the webhook got ${posts} posts in all, expected 2 (the alert, the reminder)`);
      // The reminder function is traced (TracingConfig Active): its subsegment, annotated with the dispute's event
      // id like the consumer's records, and its SNS call's reach the daemon.
      const documents = (run.xray()?.documents() ?? []).slice(segmentsBefore);
      const names = segmentNames(documents);
      check(
        names.includes('SNS'),
        `no X-Ray subsegment of the reminder's SNS publish (got: ${names.join(', ') || 'none'})`,
      );
      const annotated = annotationValues(documents, 'eventId');
      check(
        annotated.includes(created.id),
        `no reminder subsegment annotated eventId ${created.id} (got: ${annotated.join(', ') || 'none'})`,
      );
      // Invoked now rather than 72 hours before due_by: the text counts the days left from now.
      return `"${alert.subject}" on the topic (kind dispute_deadline; invoked now, not at its time) and posted to the webhook; traced, eventId annotated`;
    });

    await rehearsal.step('reminder, dispute answered (under_review) → no alert', async () => {
      fake().setObject({ ...dispute, status: 'under_review' });
      const result = await invokeReminder(scheduleInput);
      check(result === 'answered', `the reminder function returned ${JSON.stringify(result)}, expected "answered"`);
      const alerts = await takeAlerts();
      check(alerts.length === 0, `${alerts.length} alerts on the topic for an answered dispute, expected none`);
      check(webhook().posts().length === 2, 'the webhook was posted to for an answered dispute');
      return `returned "answered" (the fake Stripe API's ${disputeId} is under_review); no alert, no post`;
    });

    await rehearsal.step('charge.dispute.closed → schedule deleted', async () => {
      // The schedule is still there: moto's Scheduler never runs it, so it did not delete itself after the reminder
      // (ActionAfterCompletion DELETE) as it would in AWS. Here the close, as for a dispute closed before its reminder.
      const closed = buildAnyEvent('charge.dispute.closed', { livemode: true }).event;
      const closedDispute = (closed.data as { object: Record<string, unknown> }).object;
      closedDispute.id = disputeId;
      closedDispute.charge = dispute.charge;
      check(await getSchedule(scheduleName), `${scheduleName} is gone before the close`);
      fake().setObject(closedDispute);
      const delivered = await run.deliver(toStripeWebhookBody(closed as never));
      const consumed = await run.consume(fn('consumer'), 2);
      const schedule = await getSchedule(scheduleName);
      check(schedule === undefined, `${scheduleName} still exists after charge.dispute.closed`);
      const alert = expectOneAlert(await takeAlerts(), 'dispute_closed', closed.id);
      return `${delivered}; ${consumed}; ${scheduleName} deleted; "${alert.subject}" on the topic`;
    });
  } finally {
    for (const client of [sqs, sns, scheduler, cfn]) client.destroy();
  }
}
