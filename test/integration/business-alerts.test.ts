/**
 * The business alerts' AWS side on moto and a real HTTP webhook: the consumer core with the destinations
 * and scheduler that `businessAlertsFromEnvironment` builds from the environment (as the deployed
 * consumer does), an SNS topic read back through an SQS queue subscribed to it, a local test server as
 * the webhook (its URL in Secrets Manager), EventBridge Scheduler's CreateSchedule/DeleteSchedule, and
 * the reminder function's own module invoked as Scheduler would, against the fake Stripe API.
 * Ports 4740-4749.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { builtInBusinessAlerts } from '../../functions/alerts/business-alert-handlers';
import { eventBridgeDisputeReminderScheduler } from '../../functions/alerts/eventbridge-reminder-scheduler';
import { businessAlertsFromEnvironment } from '../../functions/alerts/from-environment';
import { type ConsumerDependencies, consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import { type FakeStripeApi, startFakeStripeApi } from '../../tools/fake-stripe/server';
import { localClientConfig } from '../../tools/local/resources';
import { fixture } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

jest.setTimeout(60_000);

type Loose = Record<string, unknown>;

const endpoint = requireMotoEndpoint();
const webhookPort = 4741;
const fakeStripePort = 4742;
const suffix = `${Date.now()}`;
const names = {
  topic: `business-alerts-${suffix}`,
  queue: `business-alerts-read-${suffix}`,
  webhookSecret: `stripe-webhooks/alerts-webhook-${suffix}`,
  apiKeySecret: `stripe-webhooks/alerts-api-key-${suffix}`,
  group: `stripe-dispute-reminders-${suffix}`,
};
const sns = new SNSClient(localClientConfig(endpoint));
const sqs = new SQSClient(localClientConfig(endpoint));
const secrets = new SecretsManagerClient(localClientConfig(endpoint));
const scheduler = new SchedulerClient(localClientConfig(endpoint));

/** The test webhook: answers each POST with the next scripted status (200 once the script is done). */
const webhook = {
  script: [] as number[],
  received: [] as Array<{ status: number; body: string; contentType: string | undefined }>,
};
let server: Server;
let fake: FakeStripeApi;
let topicArn = '';
let queueUrl = '';
let env: NodeJS.ProcessEnv = {};
const savedEnv = { ...process.env };

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      const status = webhook.script.shift() ?? 200;
      webhook.received.push({ status, body, contentType: request.headers['content-type'] });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'invalid_payload');
    });
  });
  await new Promise<void>((resolve) => server.listen(webhookPort, '127.0.0.1', resolve));
  fake = await startFakeStripeApi({ port: fakeStripePort });

  topicArn = (await sns.send(new CreateTopicCommand({ Name: names.topic }))).TopicArn ?? '';
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: names.queue }))).QueueUrl ?? '';
  const queueArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes
      ?.QueueArn ?? '';
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  await secrets.send(
    new CreateSecretCommand({ Name: names.webhookSecret, SecretString: `http://127.0.0.1:${webhookPort}/hook` }),
  );
  await secrets.send(new CreateSecretCommand({ Name: names.apiKeySecret, SecretString: 'rk_test_alerts_integration' }));
  await scheduler.send(new CreateScheduleGroupCommand({ Name: names.group }));

  // What the stack gives the consumer and the reminder function; the SDK clients they make find moto here.
  env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ALERT_TOPIC_ARN: topicArn,
    ALERT_WEBHOOK_SECRET_ID: names.webhookSecret,
    DISPUTE_REMINDER_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:dispute-reminder',
    DISPUTE_REMINDER_ROLE_ARN: 'arn:aws:iam::123456789012:role/dispute-reminder-scheduler',
    DISPUTE_REMINDER_SCHEDULE_GROUP: names.group,
    STRIPE_API_KEY_SECRET_ID: names.apiKeySecret,
    STRIPE_API_URL: fake.url,
    STAGE: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  Object.assign(process.env, env);
});

afterAll(async () => {
  process.env = savedEnv;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fake.close();
  for (const client of [sns, sqs, secrets, scheduler]) client.destroy();
});

beforeEach(() => {
  webhook.script = [];
  webhook.received = [];
});

/** The SNS notifications the subscribed queue got: SNS's envelope, with Subject and Message. */
async function readTopic(
  count: number,
): Promise<Array<{ Subject?: string; Message: string; MessageAttributes?: Loose }>> {
  const read: Array<{ Subject?: string; Message: string; MessageAttributes?: Loose }> = [];
  await waitFor(
    `${count} SNS notification(s) on the subscribed queue`,
    async () => {
      const answer = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of answer.Messages ?? []) {
        read.push(JSON.parse(message.Body ?? '{}'));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      return read.length >= count ? read : undefined;
    },
    15_000,
  );
  return read;
}

function consumer() {
  const counted: Array<{ name: string; dimensions?: Readonly<Record<string, string>> }> = [];
  const logger = new RecordingLogger();
  const metrics = {
    count: (name: string, _value?: number, dimensions?: Readonly<Record<string, string>>) =>
      void counted.push({ name, ...(dimensions === undefined ? {} : { dimensions }) }),
  };
  const alerts = businessAlertsFromEnvironment(env, { logger, metrics, now: () => new Date() });
  if (alerts === undefined) throw new Error('the alerts should be on with ALERT_TOPIC_ARN set');
  const deps: ConsumerDependencies = {
    registry: buildRegistry(builtInBusinessAlerts({ off: alerts.config.off })),
    store: new InMemoryIdempotencyStore(),
    mailer: new RecordingMailer(),
    logger,
    metrics,
    now: () => new Date(),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    businessAlerts: alerts.service,
  };
  return { counted, logger, consume: (event: Loose) => consumeEvent(JSON.stringify(event), deps) };
}

let sequence = 0;
function event(type: string, object: Loose, extra: Loose = {}): Loose {
  sequence += 1;
  return {
    id: `evt_test_alerts_moto_${suffix}_${sequence}`,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type,
    data: { object },
    ...extra,
  };
}

const payout = (id: string): Loose => ({
  ...fixture<Loose>('payout'),
  id,
  amount: 99_900,
  currency: 'eur',
  status: 'failed',
  failure_code: 'account_closed',
  failure_message: 'The bank account has been closed.',
});

describe('business alerts on moto and a real webhook', () => {
  it('publishes to the topic (read back through a subscribed queue) and posts to the webhook after a 5xx, once each', async () => {
    // Prepare
    const { consume, counted } = consumer();
    webhook.script = [503];
    const built = event('payout.failed', payout('po_test_moto1'));
    // Act
    const outcome = await consume(built);
    const again = await consume(built);
    // Assess
    expect(outcome.status).toBe('processed');
    expect(again.status).toBe('duplicate');
    const [notification] = await readTopic(1);
    expect(notification?.Subject).toBe('Payout failed: EUR 999.00 (account_closed)');
    expect(notification?.Message).toContain('A payout of €999.00 failed (account_closed).');
    expect(notification?.MessageAttributes).toMatchObject({ kind: { Type: 'String', Value: 'payout_failed' } });
    expect(webhook.received.map((request) => request.status)).toEqual([503, 200]);
    expect(webhook.received[1]?.contentType).toBe('application/json');
    expect(JSON.parse(webhook.received[1]?.body ?? '{}')).toEqual({
      text: expect.stringMatching(/^Payout failed: €999\.00 \(account_closed\)\n\nA payout of €999\.00 failed/),
    });
    expect(counted.filter((entry) => entry.name === 'AlertsSent')).toHaveLength(1);
  });

  it('records a 4xx from the webhook, does not retry it, and completes the event', async () => {
    // Prepare
    const { consume, counted, logger } = consumer();
    webhook.script = [400];
    const built = event('payout.failed', payout('po_test_moto2'));
    // Act
    const outcome = await consume(built);
    // Assess
    expect(outcome.status).toBe('processed');
    expect(webhook.received.map((request) => request.status)).toEqual([400]);
    expect(counted).toContainEqual({ name: 'AlertWebhookRejected', dimensions: { status: '400' } });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', details: expect.objectContaining({ answer: 'invalid_payload' }) }),
    );
    expect(await readTopic(1)).toHaveLength(1);
  });

  it('schedules the reminder with CreateSchedule and removes it with DeleteSchedule when the dispute closes', async () => {
    // Prepare
    const { consume } = consumer();
    const disputeId = `dp_test_moto${suffix}`;
    const dueBy = Math.floor(Date.now() / 1000) + 10 * 86_400;
    const dispute = {
      ...fixture<Loose>('dispute'),
      id: disputeId,
      status: 'needs_response',
      evidence_details: { due_by: dueBy, has_evidence: false },
    };
    const created = event('charge.dispute.created', dispute, { account: 'acct_1Moto' });
    const name = `dispute-reminder-${disputeId}`;
    // Act
    await consume(created);
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: names.group }));
    await consume(event('charge.dispute.closed', { ...dispute, status: 'won' }, { account: 'acct_1Moto' }));
    const afterClose = scheduler.send(new GetScheduleCommand({ Name: name, GroupName: names.group }));
    // Assess
    expect(schedule).toMatchObject({
      ScheduleExpression: `at(${new Date((dueBy - 72 * 3600) * 1000).toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: env.DISPUTE_REMINDER_FUNCTION_ARN,
        RoleArn: env.DISPUTE_REMINDER_ROLE_ARN,
        Input: JSON.stringify({ disputeId, eventId: created.id, account: 'acct_1Moto' }),
      },
    });
    await expect(afterClose).rejects.toBeInstanceOf(ResourceNotFoundException);
    await readTopic(2); // the dispute opened and won alerts, out of the way of the next test
  });

  it('updates a schedule that exists, and removing one that is gone is no error', async () => {
    // Prepare
    const reminders = eventBridgeDisputeReminderScheduler({
      client: scheduler,
      target: {
        functionArn: String(env.DISPUTE_REMINDER_FUNCTION_ARN),
        roleArn: String(env.DISPUTE_REMINDER_ROLE_ARN),
        groupName: names.group,
      },
    });
    const input = { disputeId: 'dp_test_moto_update', eventId: 'evt_test_moto_update' };
    // Act
    await reminders.schedule(input, new Date('2030-01-01T00:00:00Z'));
    await reminders.schedule(input, new Date('2030-01-02T00:00:00Z'));
    const updated = await scheduler.send(
      new GetScheduleCommand({ Name: 'dispute-reminder-dp_test_moto_update', GroupName: names.group }),
    );
    await reminders.cancel(input.disputeId);
    // Assess
    expect(updated.ScheduleExpression).toBe('at(2030-01-02T00:00:00)');
    await expect(reminders.cancel(input.disputeId)).resolves.toBeUndefined();
  });

  it('runs the reminder function as Scheduler invokes it: alerts while the dispute needs a response, not after', async () => {
    // Prepare
    const disputeId = 'dp_test_moto_reminder1';
    const opened = event('charge.dispute.created', {
      ...fixture<Loose>('dispute'),
      id: disputeId,
      amount: 4_000,
      currency: 'usd',
      status: 'needs_response',
      evidence_details: { due_by: Math.floor(Date.now() / 1000) + 3 * 86_400 },
    });
    fake.observeEvent(opened);
    const { handler } = (await import(
      '../../functions/alerts/reminder-handler'
    )) as typeof import('../../functions/alerts/reminder-handler');
    // Act
    const first = await handler({ disputeId, eventId: String(opened.id) });
    fake.setObject({ ...((opened.data as Loose).object as Loose), status: 'under_review' });
    const second = await handler({ disputeId, eventId: String(opened.id) });
    const malformed = await handler({ disputeId: 'not a dispute' } as never);
    // Assess
    expect([first, second, malformed]).toEqual(['alerted', 'answered', 'malformed']);
    const [notification] = await readTopic(1);
    expect(notification?.Subject).toBe('Dispute evidence due in 3 days: $40.00');
    expect(webhook.received).toHaveLength(1);
    expect(fake.requests().filter((request) => request.path === `/v1/disputes/${disputeId}`)).toHaveLength(2);
  });
});
