/**
 * `sam local invoke` against `npm start`, without Docker: each bundled function of a `cdk.out` synthesized
 * with `localEndpointUrl` (as docs/local-development.md says) runs in its own Node process with the
 * environment SAM would give its container, and nothing else:
 *
 * - the template's variables, each overridden from `events/env.json` (SAM reads the entry of the function's
 *   logical id, and only for variables the template declares), the others as SAM leaves them: a `Ref` it is
 *   not given becomes the resource's logical id, a `Fn::GetAtt ... Arn` a Lambda ARN of it, any other
 *   intrinsic a blank (samcli/lib/intrinsic_resolver, samcli/local/lambdafn/env_vars.py);
 * - what SAM adds (AWS_SAM_LOCAL, AWS_LAMBDA_FUNCTION_*, the region and the credentials of the shell, here
 *   moto's dummy ones as the docs export them, AWS_ACCOUNT_ID) and what the Lambda image sets (LAMBDA_TASK_ROOT,
 *   AWS_EXECUTION_ENV, TZ, PATH).
 *
 * `host.docker.internal:5000` in env.json is the host's moto as a container reaches it, and
 * `host.docker.internal:12111` its fake Stripe API; here they are the moto_server and the fake that this file's
 * `npm start` runs, on free ports. The functions then call those: the receiver queues a signed event, which
 * `npm start`'s own consumer processes; the bundled consumer sends the receipt of the captured SQS event, and
 * on a dispute publishes to npm start's alert topic and creates the reminder's schedule in its group; the
 * reminder function, given that schedule's input, reads the dispute from the fake and alerts; the billing sync
 * function writes a customer's state from the fake.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import type { SNSEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { envVarNames, suppressionTableSchema } from '../../config/contract';
import { disputeReminderScheduleName } from '../../functions/alerts/schedule-names';
import { dynamoDbBillingStateStore } from '../../functions/billing-state/billing-state-store';
import { contextKeys } from '../../lib/app-context';
import { buildAnyEvent } from '../../tools/event-catalogue';
import { containerEmulatorEndpoint, containerStripeApiUrl, envJsonPath, localAccountId } from '../../tools/events-env';
import { devSigningSecret, localResourceNames } from '../../tools/local/defaults';
import { localClientConfig, localDeliverabilityNames } from '../../tools/local/resources';
import type { LocalPipelineState } from '../../tools/local/state';
import { buildHttpApiEvent } from '../../tools/receiver-events';
import { capturedEventPaths } from '../../tools/sign-events';
import { buildStripeEvent, signStripePayload, toStripeWebhookBody } from '../../tools/stripe-events';
import { buildStack } from '../infra/infra-helpers';
import { setInStripe } from '../support/fake-stripe-control';
import { sesMessagesTo } from '../support/local-pipeline-client';
import { waitFor } from '../support/wait-for';

// A bundled synth (esbuild, three functions) and npm start with its own moto_server take a while on 2 cores.
jest.setTimeout(180_000);

const root = join(__dirname, '..', '..');
const samRegion = 'us-east-1';
/** A captured SES bounce notification, as SNS gives it to the SES events function. */
const sesEventsPath = join(root, 'events', 'ses-events-sns.json');
const envJson = JSON.parse(readFileSync(envJsonPath, 'utf8')) as Record<string, Record<string, string>>;

interface FunctionResource {
  readonly Type: string;
  readonly Properties: {
    readonly Handler: string;
    readonly Timeout?: number;
    readonly MemorySize?: number;
    readonly Runtime: string;
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
  readonly Metadata?: Record<string, unknown>;
}

interface BundledFunction {
  readonly logicalId: string;
  readonly resource: FunctionResource;
  /** The asset directory, Lambda's /var/task. */
  readonly directory: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'sam-local-invoke-'));
let functions: Record<'receiver' | 'consumer' | 'sesEvents' | 'billingSync' | 'disputeReminder', BundledFunction>;
let npmStart: { child: ChildProcessWithoutNullStreams; output: () => string } | undefined;
let emulator: string;
/** npm start's fake Stripe API, which env.json's `host.docker.internal:12111` stands for. */
let stripeApiUrl: string;

/** `npm start` as a newcomer runs it, in its own process with its own moto_server (as npm-start.test.ts does). */
function startNpmStart(statePath: string): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const { AWS_ENDPOINT_URL, STRIPE_WEBHOOK_SECRET, MOTO_ENDPOINT, SUBSCRIPTIONS, ...rest } = process.env;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'tools/local/start.ts'], {
    cwd: root,
    env: { ...rest, PORT: '0', FAKE_STRIPE_PORT: '0', LOCAL_PIPELINE_STATE: statePath },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return { child, output: () => output };
}

/** What SAM makes of a template value it is not given: samcli's IntrinsicsSymbolTable, then a blank for the rest. */
function samDefault(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return node.Ref;
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') {
    return `arn:aws:lambda:${samRegion}:${localAccountId}:function:${String(getAtt[0])}`;
  }
  return '';
}

/**
 * The environment of the function's container under `sam local invoke --env-vars events/env.json`, with the
 * container's `host.docker.internal:5000` being this test's moto. `leaveOut` drops variables from the env.json
 * entry, as an older env.json did.
 */
function samEnvironment(fn: BundledFunction, leaveOut: readonly string[] = []): Record<string, string> {
  const { logicalId, resource } = fn;
  const overrides = envJson[logicalId] ?? {};
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(resource.Properties.Environment?.Variables ?? {})) {
    const override = leaveOut.includes(name) ? undefined : overrides[name];
    variables[name] = (override ?? samDefault(value))
      .split(containerEmulatorEndpoint)
      .join(emulator)
      .split(containerStripeApiUrl)
      .join(stripeApiUrl);
  }
  return {
    // The Lambda image's own.
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LAMBDA_TASK_ROOT: fn.directory,
    AWS_EXECUTION_ENV: `AWS_Lambda_${resource.Properties.Runtime}`,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    _HANDLER: resource.Properties.Handler,
    // SAM's (samcli/local/lambdafn/env_vars.py).
    AWS_SAM_LOCAL: 'true',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(resource.Properties.MemorySize ?? 128),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(resource.Properties.Timeout ?? 3),
    AWS_LAMBDA_FUNCTION_HANDLER: resource.Properties.Handler,
    AWS_LAMBDA_FUNCTION_NAME: logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `aws/lambda/${logicalId}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '$LATEST',
    AWS_REGION: samRegion,
    AWS_DEFAULT_REGION: samRegion,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ACCOUNT_ID: localAccountId,
    ...variables,
  };
}

interface Invocation {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly output: string;
}

/** Runs the bundle's handler once in its own Node process, with exactly `env`, and returns what it answered. */
function invokeBundle(fn: BundledFunction, event: unknown, env: Record<string, string>): Promise<Invocation> {
  const [file, name] = fn.resource.Properties.Handler.split('.');
  const run = mkdtempSync(join(scratch, 'run-'));
  const eventFile = join(run, 'event.json');
  const resultFile = join(run, 'result.json');
  writeFileSync(eventFile, JSON.stringify(event));
  const timeoutSeconds = fn.resource.Properties.Timeout ?? 3;
  const script = `
const fs = require('node:fs');
const [file, name, eventFile, resultFile, timeout] = process.argv.slice(1);
const deadline = Date.now() + Number(timeout) * 1000;
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
const context = {
  callbackWaitsForEmptyEventLoop: true, functionName, functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:${samRegion}:${localAccountId}:function:' + functionName,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, awsRequestId: require('node:crypto').randomUUID(),
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME, logStreamName: '$LATEST',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done() {}, fail() {}, succeed() {},
};
const write = (value) => { fs.writeFileSync(resultFile, JSON.stringify(value)); process.exit(0); };
Promise.resolve()
  .then(() => require(require('node:path').join(process.env.LAMBDA_TASK_ROOT, file))[name](JSON.parse(fs.readFileSync(eventFile, 'utf8')), context))
  .then((result) => write({ ok: true, result: result === undefined ? null : result }),
        (error) => write({ ok: false, error: String((error && error.stack) || error) }));
`;
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-e', script, file ?? 'index', name ?? 'handler', eventFile, resultFile, String(timeoutSeconds)],
      {
        cwd: fn.directory,
        env,
      },
    );
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 10) * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve({ ...(JSON.parse(readFileSync(resultFile, 'utf8')) as Omit<Invocation, 'output'>), output });
      } catch {
        resolve({ ok: false, error: `no result within ${timeoutSeconds} s`, output });
      }
    });
  });
}

/** The captured SQS event (events/consumer-sqs.json) carrying another Stripe event, as the receiver queues it. */
function capturedSqsEventOf(stripeEvent: { readonly id: string; readonly type: string }): SQSEvent {
  const captured = JSON.parse(readFileSync(capturedEventPaths.consumerSqs, 'utf8')) as SQSEvent;
  const [record] = captured.Records;
  if (record === undefined) throw new Error(`${capturedEventPaths.consumerSqs} has no record`);
  const attribute = (stringValue: string) => ({
    dataType: 'String',
    stringValue,
    stringListValues: [],
    binaryListValues: [],
  });
  return {
    Records: [
      {
        ...record,
        messageId: randomUUID(),
        body: JSON.stringify(stripeEvent, null, 2),
        messageAttributes: {
          ...record.messageAttributes,
          'stripe-event-id': attribute(stripeEvent.id),
          'stripe-event-type': attribute(stripeEvent.type),
        },
      },
    ],
  };
}

/** An SQS queue subscribed to the topic, read back the way a subscriber would (SNS envelopes). */
async function subscribeQueue(topicArn: string, name: string) {
  const sqs = new SQSClient(localClientConfig(emulator));
  const sns = new SNSClient(localClientConfig(emulator));
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));
  sns.destroy();
  return {
    /** Waits for `count` notifications and removes them from the queue. */
    read: async (count: number) => {
      const read: Array<{ Subject?: string; Message: string }> = [];
      return waitFor(
        `${count} notification(s) of ${topicArn}`,
        async () => {
          const answer = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          for (const message of answer.Messages ?? []) {
            read.push(JSON.parse(message.Body ?? '{}') as { Subject?: string; Message: string });
            await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
          }
          return read.length >= count ? read : undefined;
        },
        15_000,
      );
    },
    close: () => sqs.destroy(),
  };
}

beforeAll(async () => {
  const statePath = join(scratch, 'pipeline.json');
  npmStart = startNpmStart(statePath);
  // Prepare: `npx cdk synth -c localEndpointUrl=http://host.docker.internal:5000` with the features whose functions
  // run here (billing state, business alerts), bundles and all, while npm start boots.
  const outdir = join(scratch, 'cdk.out');
  const stack = buildStack(
    {
      [contextKeys.localEndpointUrl]: containerEmulatorEndpoint,
      [contextKeys.stripeApiKeySecretName]: localResourceNames.stripeApiKey,
      [contextKeys.billingState]: 'true',
      [contextKeys.businessAlerts]: 'true',
    },
    { bundle: true, outdir },
  );
  const app = stack.node.root;
  if (!App.isApp(app)) throw new Error('the stack is not in an App');
  const assembly = app.synth();
  const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<string, FunctionResource>;
  const bundled = (construct: string): BundledFunction => {
    const found = Object.entries(resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::Function' &&
        String(resource.Metadata?.['aws:cdk:path']).endsWith(`/${construct}/Resource`),
    );
    if (found === undefined) throw new Error(`no function ${construct} in the template`);
    const [logicalId, resource] = found;
    return { logicalId, resource, directory: join(assembly.directory, String(resource.Metadata?.['aws:asset:path'])) };
  };
  functions = {
    receiver: bundled('ReceiverFunction'),
    consumer: bundled('ConsumerFunction'),
    sesEvents: bundled('SesEventsFunction'),
    billingSync: bundled('BillingSyncFunction'),
    disputeReminder: bundled('DisputeReminderFunction'),
  };
  const started = npmStart;
  await waitFor(
    'npm start to be ready',
    () => {
      if (started.child.exitCode !== null) throw new Error(`npm start ended:\n${started.output()}`);
      return started.output().includes('Webhook endpoint:') ? true : undefined;
    },
    90_000,
  );
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as LocalPipelineState;
  emulator = state.emulatorEndpoint;
  stripeApiUrl = state.stripeApiUrl ?? '';
});

afterAll(async () => {
  // Ctrl+C, as a user stops it: npm start then stops its moto_server too (SIGKILL would leave it running).
  const child = npmStart?.child;
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('sam local invoke of the bundled functions, with events/env.json, against npm start', () => {
  it('runs each function under its logical id, which keys env.json', () => {
    // Assess
    for (const fn of Object.values(functions)) expect(Object.keys(envJson)).toContain(fn.logicalId);
  });

  it('the receiver verifies a signed HTTP API event and queues it: npm start processes it and sends its receipt', async () => {
    // Prepare: a fresh event, signed now with the secret npm start stores (the dev secret)
    const stripeEvent = buildStripeEvent('invoice.paid', { object: { customer_email: 'sam-receiver@example.com' } });
    const body = toStripeWebhookBody(stripeEvent);
    const event = buildHttpApiEvent(body, signStripePayload(body, devSigningSecret), new Date());
    // Act
    const invocation = await invokeBundle(functions.receiver, event, samEnvironment(functions.receiver));
    // Assess
    expect(invocation).toMatchObject({ ok: true, result: { statusCode: 200 } });
    const output = npmStart?.output ?? (() => '');
    await waitFor(
      'npm start to send the receipt',
      () => (output().match(/✉ sent "[^"]+" to sam-receiver@example\.com/) ? true : undefined),
      30_000,
    );
    expect(output()).toContain(`✔ processed invoice.paid [${stripeEvent.id}]`);
  });

  it('the consumer sends the receipt of the captured SQS event', async () => {
    // Prepare: events/consumer-sqs.json as captured (the receipt goes to jenny.rosen@example.com)
    const event = JSON.parse(readFileSync(capturedEventPaths.consumerSqs, 'utf8')) as SQSEvent;
    const eventId = (JSON.parse(event.Records[0]?.body ?? '{}') as { id: string }).id;
    const before = (await sesMessagesTo(emulator, 'jenny.rosen@example.com')).length;
    // Act
    const invocation = await invokeBundle(functions.consumer, event, samEnvironment(functions.consumer));
    // Assess
    expect(invocation).toMatchObject({ ok: true, result: { batchItemFailures: [] } });
    const sent = await sesMessagesTo(emulator, 'jenny.rosen@example.com');
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)?.subject).toMatch(/^Receipt for invoice /);
    // Sent by the bundle, not by npm start's consumer: the event never went through the queue.
    expect(npmStart?.output()).not.toContain(eventId);
  });

  it('without the two variables an older env.json left out, the consumer fails as SAM runs it (logical ids as table names)', async () => {
    // Prepare: the captured event under a new id, so that the idempotency record of the test above does not answer
    const captured = readFileSync(capturedEventPaths.consumerSqs, 'utf8');
    const capturedId = (JSON.parse((JSON.parse(captured) as SQSEvent).Records[0]?.body ?? '{}') as { id: string }).id;
    const event = JSON.parse(captured.split(capturedId).join(`${capturedId}_old_env`)) as SQSEvent;
    const env = samEnvironment(functions.consumer, [
      envVarNames.suppressionTableName,
      envVarNames.sesConfigurationSetName,
    ]);
    // Act
    const invocation = await invokeBundle(functions.consumer, event, env);
    // Assess
    expect(env[envVarNames.suppressionTableName]).toMatch(/^EmailDeliverabilitySuppressionTable[0-9A-F]{8}$/);
    expect(invocation.ok).toBe(true);
    expect((invocation.result as SQSBatchResponse).batchItemFailures).toHaveLength(1);
    expect(invocation.output).toContain('ResourceNotFoundException: Requested resource not found');
  });

  it("the SES events function records the captured bounce in npm start's suppression table", async () => {
    // Prepare: events/ses-events-sns.json, the notification SES publishes to the configuration set's topic
    const event = JSON.parse(readFileSync(sesEventsPath, 'utf8')) as SNSEvent;
    const notification = JSON.parse(event.Records[0]?.Sns.Message ?? '{}') as {
      bounce: { bouncedRecipients: { emailAddress: string }[] };
    };
    const address = notification.bounce.bouncedRecipients[0]?.emailAddress ?? '';
    expect(address).not.toBe('');
    const dynamodb = new DynamoDBClient(localClientConfig(emulator));
    const key = { [suppressionTableSchema.partitionKey]: { S: address } };
    try {
      // moto is shared by the test files: the row must be this invocation's, not one left by another.
      await dynamodb.send(new DeleteItemCommand({ TableName: localDeliverabilityNames.suppressionTable, Key: key }));
      // Act
      const invocation = await invokeBundle(functions.sesEvents, event, samEnvironment(functions.sesEvents));
      // Assess
      expect(invocation.ok).toBe(true);
      const { Item } = await dynamodb.send(
        new GetItemCommand({
          TableName: localDeliverabilityNames.suppressionTable,
          Key: key,
        }),
      );
      expect(Item).toBeDefined();
    } finally {
      dynamodb.destroy();
    }
  });
});

describe('sam local invoke of the business alerts and the billing sync, against npm start', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const dueBy = nowSeconds() + 10 * 86_400;
  // Stripe's example dispute (fresh ids), awaiting a response due in 10 days: in the fake, and in the event.
  const { event: disputeEvent } = buildAnyEvent('charge.dispute.created', { created: nowSeconds() });
  const dispute = (disputeEvent.data as { object: Record<string, unknown> & { id: string } }).object;
  Object.assign(dispute, { status: 'needs_response', evidence_details: { due_by: dueBy, has_evidence: false } });
  let alerts: Awaited<ReturnType<typeof subscribeQueue>>;

  beforeAll(async () => {
    // What env.json names: npm start's topic, with a queue of this test's subscribed to it.
    alerts = await subscribeQueue(
      envJson[functions.consumer.logicalId]?.[envVarNames.alertTopicArn] ?? '',
      `sam-local-alerts-${randomUUID().slice(0, 8)}`,
    );
    await setInStripe(stripeApiUrl, dispute);
  });
  afterAll(() => alerts?.close());

  it("the consumer alerts on a dispute: publishes to npm start's topic and creates the reminder schedule in its group", async () => {
    // Prepare
    const event = capturedSqsEventOf(disputeEvent);
    const env = samEnvironment(functions.consumer);
    // Act
    const invocation = await invokeBundle(functions.consumer, event, env);
    // Assess
    expect(invocation).toMatchObject({ ok: true, result: { batchItemFailures: [] } });
    const [notification] = await alerts.read(1);
    expect(notification?.Message).toContain(dispute.id);
    const scheduler = new SchedulerClient(localClientConfig(emulator));
    try {
      const schedule = await scheduler.send(
        new GetScheduleCommand({
          Name: disputeReminderScheduleName(dispute.id),
          GroupName: env[envVarNames.disputeReminderScheduleGroup],
        }),
      );
      expect(schedule).toMatchObject({
        ScheduleExpression: `at(${new Date((dueBy - 72 * 3600) * 1000).toISOString().slice(0, 19)})`,
        Target: {
          Arn: env[envVarNames.disputeReminderFunctionArn],
          RoleArn: env[envVarNames.disputeReminderRoleArn],
          Input: JSON.stringify({ disputeId: dispute.id, eventId: disputeEvent.id }),
        },
      });
    } finally {
      scheduler.destroy();
    }
  });

  it("the reminder function, invoked with the schedule's input, reads the dispute from the fake Stripe API and alerts", async () => {
    // Prepare: the input the schedule of the test above holds (moto never runs it)
    const scheduler = new SchedulerClient(localClientConfig(emulator));
    const schedule = await scheduler
      .send(
        new GetScheduleCommand({
          Name: disputeReminderScheduleName(dispute.id),
          GroupName: envJson[functions.consumer.logicalId]?.[envVarNames.disputeReminderScheduleGroup],
        }),
      )
      .finally(() => scheduler.destroy());
    const input = JSON.parse(schedule.Target?.Input ?? '{}') as unknown;
    // Act
    const invocation = await invokeBundle(functions.disputeReminder, input, samEnvironment(functions.disputeReminder));
    // Assess
    expect(invocation).toMatchObject({ ok: true, result: 'alerted' });
    const [reminder] = await alerts.read(1);
    expect(reminder?.Message).toContain(dispute.id);
  });

  it("the billing sync function writes the customer's state, read from the fake Stripe API, to npm start's table", async () => {
    // Prepare: the customer as the fake knows it, and a sync request as the consumer queues it
    const customerId = `cus_sam_${randomUUID().slice(0, 8)}`;
    await setInStripe(stripeApiUrl, {
      id: customerId,
      object: 'customer',
      email: 'sam-billing@example.com',
      name: 'Sam',
      created: 1,
    });
    const request = { customerId, account: null, eventId: `evt_sam_${customerId}`, eventCreated: nowSeconds() };
    const event = capturedSqsEventOf({ id: request.eventId, type: 'customer.updated' });
    const record = event.Records[0];
    if (record !== undefined) Object.assign(record, { body: JSON.stringify(request), messageAttributes: {} });
    const env = samEnvironment(functions.billingSync);
    // Act
    const invocation = await invokeBundle(functions.billingSync, event, env);
    // Assess
    expect(invocation).toMatchObject({ ok: true });
    expect(invocation.result).not.toMatchObject({ batchItemFailures: [expect.anything()] });
    const dynamodb = new DynamoDBClient(localClientConfig(emulator));
    try {
      const stored = await dynamoDbBillingStateStore(dynamodb, env[envVarNames.billingStateTableName] ?? '').get(
        customerId,
        null,
      );
      expect(stored?.state).toMatchObject({ customerId, email: 'sam-billing@example.com', name: 'Sam' });
    } finally {
      dynamodb.destroy();
    }
  });
});
