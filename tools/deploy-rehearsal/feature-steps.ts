/**
 * The steps `--all-features` adds to the rehearsal (tools/deploy-rehearsal.ts): the operator's part before
 * and after the deploy, and a run of each optional deployed function as its trigger would call it. What
 * each feature is and what the emulator cannot hold is in features.ts.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type Stripe from 'stripe';
import type { FakeStripeApi } from '../fake-stripe/server';
import { snsEvent } from '../local/lambda-shapes';
import { simulatedSesNotification } from '../local/ses-simulator';
import { buildStripeEvent } from '../stripe-events';
import type { AlertWebhookServer } from './alert-webhook-server';
import { type Endpoint, signedJson } from './aws-rest';
import type { CustomResourceAnswer, CustomResourceRequest } from './custom-resources';
import {
  rehearsalAlarmEmail,
  rehearsalAlertWebhookSecretName,
  rehearsalApiKey,
  rehearsalApiKeySecretName,
  rehearsalEventSourceName,
  rehearsalSenderAddress,
  rehearsalSesIdentity,
} from './features';
import { account, check, type DeployedFunction, invokeInChild, type Rehearsal, region } from './steps';
import { annotationValues, type XrayListener } from './xray-listener';

/** What the feature steps need of the running rehearsal. */
export interface FeatureRun {
  readonly rehearsal: Rehearsal;
  readonly endpoint: Endpoint;
  readonly sdk: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  readonly work: string;
  readonly stackName: string;
  readonly outputs: () => Readonly<Record<string, string>>;
  readonly functions: () => Readonly<Record<string, DeployedFunction>>;
  readonly configurations: () => Readonly<Record<string, Record<string, unknown>>>;
  readonly fake: () => FakeStripeApi | undefined;
  /** What the traced functions sent to the X-Ray daemon's address. */
  readonly xray: () => XrayListener | undefined;
  /** Gives the function the batch its event source mapping would (see tools/deploy-rehearsal.ts). */
  readonly consume: (fn: DeployedFunction, waitSeconds?: number) => Promise<string>;
  /** How many emails SES says it sent. */
  readonly receipts: () => Promise<number>;
  /** Posts `body`, signed as Stripe signs it, to the deployed receiver (the HTTP API's event); 200 or a failure. */
  readonly deliver: (body: string) => Promise<string>;
  /** The rehearsal's stand-in for the alert webhook (a Slack incoming webhook), whose URL the webhook secret holds. */
  readonly alertWebhook: () => AlertWebhookServer | undefined;
}

function deployed(run: FeatureRun, role: string): DeployedFunction {
  const fn = run.functions()[role];
  check(fn, `no deployed ${role} function`);
  return fn;
}

function fakeOf(run: FeatureRun): FakeStripeApi {
  const fake = run.fake();
  check(fake, 'the fake Stripe API is not running');
  return fake;
}

/** An EventBridge (JSON 1.1) call on the emulator. */
function events(run: FeatureRun, action: string, body: unknown): Promise<unknown> {
  return signedJson(run.endpoint, 'events', {
    method: 'POST',
    path: '/',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${action}` },
  });
}

/**
 * What the operator (and Stripe) does before `cdk deploy`: the API key secret, the alert webhook secret (its
 * URL, stored by hand as docs/business-alerts.md says: the rehearsal's webhook server), the partner event source.
 */
export async function beforeDeploy(run: FeatureRun): Promise<string> {
  const webhook = run.alertWebhook();
  check(webhook, "the rehearsal's alert webhook server is not running");
  const secrets = new SecretsManagerClient(run.sdk);
  try {
    await secrets.send(new CreateSecretCommand({ Name: rehearsalApiKeySecretName, SecretString: rehearsalApiKey }));
    await secrets.send(new CreateSecretCommand({ Name: rehearsalAlertWebhookSecretName, SecretString: webhook.url }));
  } finally {
    secrets.destroy();
  }
  // Stripe's side of an EventBridge event destination: the partner event source in the stack's account.
  await events(run, 'CreatePartnerEventSource', { Name: rehearsalEventSourceName, Account: account });
  return `secrets ${rehearsalApiKeySecretName} (a test key of the fake Stripe API) and ${rehearsalAlertWebhookSecretName} (the rehearsal's webhook server, http on 127.0.0.1); partner event source ${rehearsalEventSourceName}`;
}

/**
 * After the deploy: the managed endpoint already stored its signing secret (read it back to sign with, as
 * Stripe would sign), and the sender's domain is verified in SES.
 */
export async function operatorSetup(run: FeatureRun): Promise<{ signingSecret: string; detail: string }> {
  const outputs = run.outputs();
  const fake = fakeOf(run);
  const endpoints = fake.webhookEndpoints();
  check(endpoints.length === 1, `the fake Stripe API has ${endpoints.length} webhook endpoints, expected 1`);
  const [stripeEndpoint] = endpoints as [(typeof endpoints)[number]];
  check(
    stripeEndpoint.url === outputs.WebhookUrl,
    `the managed endpoint's URL is ${stripeEndpoint.url}, the WebhookUrl output ${outputs.WebhookUrl}`,
  );
  const secrets = new SecretsManagerClient(run.sdk);
  const ses = new SESClient(run.sdk);
  try {
    const { SecretString = '' } = await secrets.send(
      new GetSecretValueCommand({ SecretId: outputs.SigningSecretName }),
    );
    const signingSecret = SecretString.split(/[\s,]+/)
      .filter((value) => value.startsWith('whsec_'))
      .at(-1);
    check(signingSecret, `${outputs.SigningSecretName} holds no whsec_ value after the managed endpoint's Create`);
    await ses.send(new VerifyDomainIdentityCommand({ Domain: rehearsalSesIdentity }));
    return {
      signingSecret,
      detail: `the managed endpoint ${stripeEndpoint.id} (${stripeEndpoint.url}) stored its secret in ${outputs.SigningSecretName}; VerifyDomainIdentity ${rehearsalSesIdentity} (sender ${rehearsalSenderAddress})`,
    };
  } finally {
    secrets.destroy();
    ses.destroy();
  }
}

/** The steps after the webhook path's: billing sync, EventBridge, reconciler, SES events, deployed settings. */
export async function allFeaturesSteps(run: FeatureRun, event: Stripe.Event): Promise<void> {
  const { rehearsal } = run;
  const ddb = new DynamoDBClient(run.sdk);
  try {
    await rehearsal.step('billing sync queue → billing sync function', async () => {
      const consumed = await run.consume(deployed(run, 'billingSync'), 5);
      const table = run.outputs().BillingStateTableName;
      const { Items = [] } = await ddb.send(new ScanCommand({ TableName: table }));
      check(Items.length === 1, `${table} has ${Items.length} items after the sync, expected 1`);
      return `${consumed}; ${table} holds ${Items[0]?.pk?.S}`;
    });

    await rehearsal.step('EventBridge: same event on the bus → queue → consumer skips it', async () => {
      const outputs = run.outputs();
      const answer = (await events(run, 'PutEvents', {
        Entries: [
          {
            EventBusName: outputs.EventBusName,
            Source: rehearsalEventSourceName,
            DetailType: event.type,
            Detail: JSON.stringify(event),
          },
        ],
      })) as { FailedEntryCount?: number };
      check(!answer.FailedEntryCount, `PutEvents failed: ${JSON.stringify(answer)}`);
      const consumed = await run.consume(deployed(run, 'consumer'), 2);
      const count = await run.receipts();
      check(count === 1, `SES sent ${count} messages after the EventBridge copy, expected still 1`);
      return `rule → ${outputs.EventQueueName}; ${consumed}; still 1 message`;
    });

    await rehearsal.step('reconciler (as its schedule would invoke it) → consumer', async () => {
      // Stripe's Events API lists two undelivered events older than the reconciler's grace period: the one
      // the pipeline already did (its delivery is taken as failed), and one that never arrived.
      const hourAgo = Math.floor(Date.now() / 1000) - 3600;
      const fake = fakeOf(run);
      fake.observeEvent({ ...event, created: hourAgo }, { delivered: false });
      const missed = buildStripeEvent('invoice.paid', {
        livemode: true,
        created: hourAgo,
        email: 'missed@example.com',
      });
      fake.observeEvent(missed, { delivered: false });
      const reconciler = deployed(run, 'reconciler');
      const scheduled = { source: 'aws.scheduler', 'detail-type': 'Scheduled Event', id: randomUUID() };
      const result = await invokeInChild(
        reconciler.directory,
        reconciler.handler,
        scheduled,
        reconciler.env,
        reconciler.timeout,
        run.work,
      );
      check(result.ok, `reconciler threw: ${result.error}\n${result.stderr.slice(-800)}`);
      const summary = result.result as { found: number; alreadyDone: number; queued: number; failed: number };
      check(
        summary.found === 2 && summary.alreadyDone === 1 && summary.queued === 1 && summary.failed === 0,
        `reconciler returned ${JSON.stringify(summary)}, expected found 2, alreadyDone 1, queued 1`,
      );
      const consumed = await run.consume(deployed(run, 'consumer'), 2);
      const count = await run.receipts();
      check(count === 2, `SES sent ${count} messages, expected 2 (the missed event's receipt too)`);
      return `found ${summary.found} undelivered, ${summary.alreadyDone} already done, ${summary.queued} queued (${missed.id}); ${consumed}; its receipt sent (2 messages)`;
    });

    await rehearsal.step('SES bounce → SES events function → suppression table', async () => {
      const outputs = run.outputs();
      const sesEvents = deployed(run, 'sesEvents');
      const address = 'bounce@simulator.amazonses.com';
      const message = simulatedSesNotification(
        'bounce',
        { messageId: randomUUID(), to: address, subject: 'Receipt' },
        { senderAddress: rehearsalSenderAddress, configurationSetName: outputs.SesConfigurationSetName ?? '' },
      );
      const topicArn = `arn:aws:sns:${region}:${account}:${outputs.SesConfigurationSetName}-events`;
      const result = await invokeInChild(
        sesEvents.directory,
        sesEvents.handler,
        snsEvent(message, { topicArn }),
        sesEvents.env,
        sesEvents.timeout,
        run.work,
      );
      check(result.ok, `SES events function threw: ${result.error}\n${result.stderr.slice(-800)}`);
      const { Item } = await ddb.send(
        new GetItemCommand({ TableName: outputs.SuppressionTableName, Key: { address: { S: address } } }),
      );
      check(Item, `${address} is not in ${outputs.SuppressionTableName} after its permanent bounce`);
      return `${address} suppressed in ${outputs.SuppressionTableName}`;
    });

    await rehearsal.step('deployed settings: tracing, arm64, alarm e-mail, concurrency, log level', async () => {
      const configurations = run.configurations();
      const untraced = ['receiver', 'consumer', 'billingSync'].filter(
        (role) => (configurations[role]?.TracingConfig as { Mode?: string } | undefined)?.Mode !== 'Active',
      );
      check(untraced.length === 0, `TracingConfig is not Active on ${untraced.join(', ')}`);
      const notArm = ['receiver', 'consumer'].filter(
        (role) => !(configurations[role]?.Architectures as string[] | undefined)?.includes('arm64'),
      );
      check(notArm.length === 0, `${notArm.join(', ')} not on arm64`);
      const receiver = deployed(run, 'receiver');
      check(receiver.env.POWERTOOLS_TRACE_ENABLED === 'true', 'POWERTOOLS_TRACE_ENABLED is not true on the receiver');
      check(
        receiver.env.POWERTOOLS_LOG_LEVEL === 'DEBUG',
        `POWERTOOLS_LOG_LEVEL is ${receiver.env.POWERTOOLS_LOG_LEVEL}`,
      );
      const concurrency = (await signedJson(run.endpoint, 'lambda', {
        path: `/2019-09-30/functions/${encodeURIComponent(receiver.name)}/concurrency`,
      })) as { ReservedConcurrentExecutions?: number };
      check(
        concurrency.ReservedConcurrentExecutions === 20,
        `the receiver's reserved concurrency is ${concurrency.ReservedConcurrentExecutions}, expected 20`,
      );
      const sns = new SNSClient(run.sdk);
      try {
        const { Subscriptions = [] } = await sns.send(
          new ListSubscriptionsByTopicCommand({ TopicArn: run.outputs().AlarmTopicArn }),
        );
        check(
          Subscriptions.some((s) => s.Protocol === 'email' && s.Endpoint === rehearsalAlarmEmail),
          `no e-mail subscription of ${rehearsalAlarmEmail} on the alarm topic`,
        );
      } finally {
        sns.destroy();
      }
      return `TracingConfig Active (receiver, consumer, billing sync); receiver and consumer on arm64; ${rehearsalAlarmEmail} subscribed to the alarm topic; receiver reserved concurrency 20; log level DEBUG`;
    });
    await rehearsal.step('tracing: segments from the traced functions', async () => {
      const xray = run.xray();
      check(xray, 'the X-Ray listener is not running');
      const documents = xray.documents();
      // Kept with the work files when a step fails.
      writeFileSync(join(run.work, 'xray-segments.json'), JSON.stringify(documents, null, 2));
      const eventIds = new Set(annotationValues(documents, 'eventId'));
      const services = new Set(annotationValues(documents, 'Service'));
      check(
        eventIds.has(event.id),
        `no segment annotated eventId=${event.id} among the ${documents.length} received (services ${[...services].join(', ') || 'none'})`,
      );
      const traces = new Set(documents.map((d) => String(d.trace_id)));
      return `${documents.length} segments in ${traces.size} traces from ${[...services].sort().join(', ')}; eventId ${event.id} annotated`;
    });
  } finally {
    ddb.destroy();
  }
}

/** After `cdk destroy`: the custom resources' Delete, run as CloudFormation would before deleting them. */
export async function customResourceDeletes(
  run: FeatureRun,
  requests: readonly CustomResourceRequest[],
  runOne: (request: CustomResourceRequest) => Promise<CustomResourceAnswer>,
): Promise<string> {
  check(requests.length > 0, 'moto sent no Delete for the custom resources');
  const answers: CustomResourceAnswer[] = [];
  for (const request of requests) answers.push(await runOne(request));
  const left = fakeOf(run).webhookEndpoints();
  check(
    left.length === 0,
    `the fake Stripe API still has ${left.length} webhook endpoint(s) (stripeEndpointOnDelete=delete)`,
  );
  return `${answers.map((a) => `${a.type} ${a.physicalId}: ${a.how}`).join('; ')}; the Stripe endpoint is deleted`;
}
