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
 * `host.docker.internal:5000` in env.json is the host's moto as a container reaches it; here it is the
 * moto_server that this file's `npm start` runs, on a free port. The functions then call that moto: the
 * receiver queues a signed event, which `npm start`'s own consumer processes, and the bundled consumer
 * sends the receipt of the captured SQS event.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import type { SNSEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { envVarNames, suppressionTableSchema } from '../../config/contract';
import { containerEmulatorEndpoint, envJsonPath, localAccountId } from '../../tools/events-env';
import { devSigningSecret } from '../../tools/local/defaults';
import { localClientConfig, localDeliverabilityNames } from '../../tools/local/resources';
import type { LocalPipelineState } from '../../tools/local/state';
import { buildHttpApiEvent } from '../../tools/receiver-events';
import { capturedEventPaths } from '../../tools/sign-events';
import { buildStripeEvent, signStripePayload, toStripeWebhookBody } from '../../tools/stripe-events';
import { buildStack } from '../infra/infra-helpers';
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
let functions: Record<'receiver' | 'consumer' | 'sesEvents', BundledFunction>;
let npmStart: { child: ChildProcessWithoutNullStreams; output: () => string } | undefined;
let emulator: string;

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
    variables[name] = (override ?? samDefault(value)).split(containerEmulatorEndpoint).join(emulator);
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

beforeAll(async () => {
  const statePath = join(scratch, 'pipeline.json');
  npmStart = startNpmStart(statePath);
  // Prepare: `npx cdk synth -c localEndpointUrl=http://host.docker.internal:5000`, bundles and all, while npm start boots.
  const outdir = join(scratch, 'cdk.out');
  const stack = buildStack({ localEndpointUrl: containerEmulatorEndpoint }, { bundle: true, outdir });
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
  emulator = (JSON.parse(readFileSync(statePath, 'utf8')) as LocalPipelineState).emulatorEndpoint;
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
    // Act
    const invocation = await invokeBundle(functions.sesEvents, event, samEnvironment(functions.sesEvents));
    // Assess
    expect(invocation.ok).toBe(true);
    const dynamodb = new DynamoDBClient(localClientConfig(emulator));
    try {
      const { Item } = await dynamodb.send(
        new GetItemCommand({
          TableName: localDeliverabilityNames.suppressionTable,
          Key: { [suppressionTableSchema.partitionKey]: { S: address } },
        }),
      );
      expect(Item).toBeDefined();
    } finally {
      dynamodb.destroy();
    }
  });
});
