/**
 * `npm run deploy:rehearsal`: `cdk bootstrap`, `cdk deploy`, the deployed code run, `cdk destroy`, all on moto.
 * See `--help` (tools/deploy-rehearsal/args.ts) and issue 23.
 *
 * Two things stand between the project's own `cdk deploy` and moto, both on the emulator's side:
 *
 * 1. "creating CloudFormation changeset... The specified bucket does not exist". The CDK CLI gives
 *    CloudFormation the template as `TemplateURL = <origin of the S3 endpoint>/<bucket>/<key>` (path style,
 *    toolkit-lib `restUrlFromManifest`). With AWS_ENDPOINT_URL set, that origin is the emulator's
 *    (`http://127.0.0.1:PORT/cdk-hnb659fds-assets-.../x.json`); moto's CloudFormation reads a URL that is
 *    neither on `localhost` nor `s3…amazonaws.com` as virtual-hosted and takes the first label of the host
 *    as the bucket (`127`), which does not exist. A change set made with the SDK and the virtual-hosted URL
 *    (`https://<bucket>.s3.us-east-1.amazonaws.com/<key>`) works because there the first label is the bucket.
 *    Workaround (the rehearsal's, not the project's): AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION, which the CLI
 *    reads for exactly this URL, set to the real regional endpoint, so the URL is the path-style
 *    `https://s3.us-east-1.amazonaws.com/<bucket>/<key>` that CloudFormation gets in AWS and moto parses.
 * 2. moto 5 has no CloudFormation model for a few types the stack cannot do without (the signing secret, the
 *    alarms, the HTTP API, the SES configuration set) and keeps no outputs for a stack made by a change set;
 *    tools/deploy-rehearsal/moto_server_cfn.py adds them, on moto's own backends. Other missing types are
 *    listed by the rehearsal as not modelled.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSendQuotaCommand, SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type Stripe from 'stripe';
import { placeholderSenderAddress, stackNameFor } from '../lib/app-context';
import {
  parseRehearsalArgs,
  type RehearsalOptions,
  RehearsalUsageError,
  rehearsalUsage,
} from './deploy-rehearsal/args';
import {
  type Endpoint,
  getFunction,
  getFunctionConfiguration,
  listEventSourceMappings,
  listFunctionNames,
  listKmsKeys,
} from './deploy-rehearsal/aws-rest';
import { unzipTo } from './deploy-rehearsal/zip';
import { sqsRecord } from './local/lambda-shapes';
import { startMoto } from './local/moto';
import { resolveMotoCommand } from './local/moto-provisioning';
import { quietSdkNodeVersionWarning } from './local/resources';
import { buildHttpApiEvent } from './receiver-events';
import { buildStripeEvent, defaultCustomerEmail, signStripePayload, toStripeWebhookBody } from './stripe-events';

const account = '123456789012';
const region = 'us-east-1';
const stage = 'dev';
const stackName = stackNameFor(stage);
const root = join(__dirname, '..');
const cdk = join(root, 'node_modules', '.bin', 'cdk');
const signingSecretValue = 'whsec_deploy_rehearsal_0123456789abcdef';

/** The outputs docs/deploy.md names ("The outputs are ..."), without the billingState ones. */
export const readmeOutputs = [
  'WebhookUrl',
  'EnabledEvents',
  'EventQueueName',
  'DeadLetterQueueName',
  'DeadLetterAlarmName',
  'AlarmTopicArn',
  'IdempotencyTableName',
  'LargeEventBucketName',
  'SigningSecretName',
  'SigningSecretArn',
] as const;

/** Logical-id prefixes of the resources with RemovalPolicy.RETAIN in lib/ (what `cdk destroy` leaves). */
const retained = {
  tables: ['ConsumerIdempotencyTable', 'EmailDeliverabilitySuppressionTable'],
  buckets: ['largeeventsbucket'],
  secrets: ['stripe-webhooks/dev/signing-secret'],
  kmsKeys: 2,
};

interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

class StepFailure extends Error {}

class Rehearsal {
  readonly results: StepResult[] = [];
  readonly notModelled: string[] = [];
  failed = false;

  constructor(private readonly out: (line: string) => void) {}

  /** Runs one step, timed; a failure is recorded and stops the steps that follow. */
  async step(name: string, run: () => Promise<string>): Promise<boolean> {
    if (this.failed) {
      this.results.push({ step: name, ok: false, seconds: 0, detail: 'skipped (an earlier step failed)' });
      return false;
    }
    const started = Date.now();
    this.out(`▶ ${name}`);
    try {
      const detail = await run();
      const seconds = (Date.now() - started) / 1000;
      this.results.push({ step: name, ok: true, seconds, detail });
      this.out(`  ✓ ${name} (${seconds.toFixed(1)} s): ${detail}`);
      return true;
    } catch (error) {
      const seconds = (Date.now() - started) / 1000;
      const message = error instanceof Error ? error.message : String(error);
      this.results.push({ step: name, ok: false, seconds, detail: message });
      this.out(`  ✗ ${name} (${seconds.toFixed(1)} s): ${message}`);
      this.failed = true;
      return false;
    }
  }

  summary(): string {
    const width = Math.max(...this.results.map((r) => r.step.length), 4);
    const lines = [
      `| ${'Step'.padEnd(width)} | Result | Time    | Detail`,
      `|${'-'.repeat(width + 2)}|--------|---------|-------`,
      ...this.results.map(
        (r) =>
          `| ${r.step.padEnd(width)} | ${r.ok ? 'ok    ' : r.detail.startsWith('skipped') ? 'skip  ' : 'FAIL  '} | ${`${r.seconds.toFixed(1)} s`.padStart(7)} | ${r.detail.replace(/\s+/g, ' ').slice(0, 160)}`,
      ),
    ];
    const total = this.results.reduce((sum, r) => sum + r.seconds, 0);
    lines.push(`Total ${total.toFixed(1)} s; ${this.failed ? 'FAILED' : 'all steps passed'}.`);
    if (this.notModelled.length > 0) {
      lines.push('Not modelled by the emulator:');
      for (const line of this.notModelled) lines.push(`  - ${line}`);
    }
    return lines.join('\n');
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

/** Runs the project's CDK CLI; its output goes to a log, the tail of which is the error on failure. */
function runCdk(args: string[], env: NodeJS.ProcessEnv, log: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cdk, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(log, output);
      if (code === 0) resolve(output);
      else
        reject(
          new StepFailure(
            `cdk ${args[0]} exited ${code}: ${output.trim().split('\n').slice(-4).join(' | ')} (log: ${log})`,
          ),
        );
    });
  });
}

/** The Python that runs moto, to start moto_server_cfn.py with (moto's own, or the project's venv). */
async function motoPython(): Promise<string> {
  const command = await resolveMotoCommand({ print: (line) => process.stdout.write(`  ${line}\n`) });
  if (command.source === 'venv') return command.file;
  for (const candidate of [
    'python3',
    readFileSync(command.file, 'utf8')
      .split('\n')[0]
      ?.replace(/^#!\s*/, ''),
  ]) {
    const [file, ...args] = (candidate ?? '').split(' ');
    if (!file) continue;
    const probe = spawnSync(file, [...args, '-c', 'import moto'], { stdio: 'ignore' });
    if (probe.status === 0 && candidate !== undefined) return candidate;
  }
  throw new StepFailure(`could not find the Python that runs ${command.file} (python3 cannot import moto)`);
}

interface ChildResult {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly stderr: string;
}

/** Runs `handler` of the unzipped package in `directory` in its own Node process, with `env` only. */
function invokeInChild(
  directory: string,
  handler: string,
  event: unknown,
  env: Record<string, string>,
  timeoutSeconds: number,
  work: string,
): Promise<ChildResult> {
  const eventFile = join(work, `event-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const resultFile = `${eventFile}.result`;
  writeFileSync(eventFile, JSON.stringify(event));
  const dot = handler.lastIndexOf('.');
  const script = `
const fs = require('node:fs');
const [dir, file, name, eventFile, resultFile, fnName, timeout] = process.argv.slice(1);
const deadline = Date.now() + Number(timeout) * 1000;
const context = {
  callbackWaitsForEmptyEventLoop: true, functionName: fnName, functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:${region}:${account}:function:' + fnName, memoryLimitInMB: '256',
  awsRequestId: require('node:crypto').randomUUID(), logGroupName: '/aws/lambda/' + fnName, logStreamName: 'rehearsal',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done() {}, fail() {}, succeed() {},
};
const write = (value) => { fs.writeFileSync(resultFile, JSON.stringify(value)); process.exit(0); };
Promise.resolve()
  .then(() => require(require('node:path').join(dir, file))[name](JSON.parse(fs.readFileSync(eventFile, 'utf8')), context))
  .then((result) => write({ ok: true, result: result === undefined ? null : result }),
        (error) => write({ ok: false, error: String(error && error.stack || error) }));
`;
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '-e',
        script,
        directory,
        handler.slice(0, dot),
        handler.slice(dot + 1),
        eventFile,
        resultFile,
        env.AWS_LAMBDA_FUNCTION_NAME ?? 'function',
        String(timeoutSeconds),
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stdout?.on('data', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 5) * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        const parsed = JSON.parse(readFileSync(resultFile, 'utf8')) as {
          ok: boolean;
          result?: unknown;
          error?: string;
        };
        resolve({ ...parsed, stderr });
      } catch {
        resolve({ ok: false, error: `the process ended without a result (timeout ${timeoutSeconds} s?)`, stderr });
      }
    });
  });
}

interface DeployedFunction {
  readonly name: string;
  readonly directory: string;
  readonly handler: string;
  readonly timeout: number;
  readonly env: Record<string, string>;
}

export async function runRehearsal(options: RehearsalOptions, out: (line: string) => void): Promise<number> {
  const rehearsal = new Rehearsal(out);
  const work = mkdtempSync(join(tmpdir(), 'deploy-rehearsal-'));
  const assembly = join(work, 'cdk.out');
  const outputsFile = join(work, 'outputs.json');
  let stopEmulator: (() => Promise<void>) | undefined;
  let endpointUrl = process.env.AWS_ENDPOINT_URL?.trim() ?? '';
  const started = Date.now();

  if (options.allFeatures) {
    rehearsal.notModelled.push(
      '--all-features: not built yet in this version of the rehearsal; the default stack is deployed (see the report of issue 23)',
    );
  }

  await rehearsal.step('start emulator', async () => {
    if (endpointUrl !== '') {
      return `using AWS_ENDPOINT_URL=${endpointUrl} (it must model AWS::SecretsManager::Secret, AWS::CloudWatch::Alarm, AWS::ApiGatewayV2::Api and AWS::SES::ConfigurationSet in CloudFormation)`;
    }
    const python = await motoPython();
    const [file, ...args] = python.split(' ');
    const moto = await startMoto({
      command: {
        file: file ?? python,
        args: [...args, join(__dirname, 'deploy-rehearsal', 'moto_server_cfn.py')],
        source: 'path',
      },
      timeoutMs: 30_000,
    });
    stopEmulator = moto.stop;
    endpointUrl = moto.endpoint;
    return `moto_server (with tools/deploy-rehearsal/moto_server_cfn.py) at ${endpointUrl}`;
  });

  const endpoint: Endpoint = { url: endpointUrl, region };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: endpointUrl,
    // See the header comment: the template URL CloudFormation is given, in the form moto parses.
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: `https://s3.${region}.amazonaws.com`,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    CDK_DISABLE_VERSION_CHECK: '1',
    CI: 'true',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  for (const [key, value] of Object.entries(env))
    if (key.startsWith('AWS_') && value !== undefined) process.env[key] = value;
  const sdk = { endpoint: endpointUrl, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const cfn = new CloudFormationClient(sdk);
  const sqs = new SQSClient(sdk);
  const ddb = new DynamoDBClient(sdk);
  const s3 = new S3Client({ ...sdk, forcePathStyle: true });
  const secrets = new SecretsManagerClient(sdk);
  const ses = new SESClient(sdk);
  let outputs: Record<string, string> = {};
  let template: { Resources: Record<string, { Type: string }> } = { Resources: {} };
  const functions: Record<string, DeployedFunction> = {};
  let codeLocationNoted = false;
  /** The stack's own keys (their ids from CloudFormation): the ones destroy must keep. */
  let stackKeyIds: string[] = [];
  let deployed = false;

  await rehearsal.step('cdk synth', async () => {
    await runCdk(['synth', '--quiet', '--output', assembly], env, join(work, 'synth.log'));
    template = JSON.parse(readFileSync(join(assembly, `${stackName}.template.json`), 'utf8'));
    return `${Object.keys(template.Resources).length} resources in ${stackName}`;
  });

  await rehearsal.step('cdk bootstrap', async () => {
    await runCdk(['bootstrap', `aws://${account}/${region}`, '--app', assembly], env, join(work, 'bootstrap.log'));
    return `aws://${account}/${region} (CDKToolkit)`;
  });

  await rehearsal.step('cdk deploy', async () => {
    await runCdk(
      [
        'deploy',
        stackName,
        '--app',
        assembly,
        '--require-approval',
        'never',
        '--outputs-file',
        outputsFile,
        '--progress',
        'events',
      ],
      env,
      join(work, 'deploy.log'),
    );
    deployed = true;
    const all = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
    outputs = all[stackName] ?? {};
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    check(Stacks?.[0]?.StackStatus === 'CREATE_COMPLETE', `stack status ${Stacks?.[0]?.StackStatus}`);
    return `${stackName} CREATE_COMPLETE, ${Object.keys(outputs).length} outputs`;
  });

  await rehearsal.step('resources CREATE_COMPLETE', async () => {
    const summaries: StackResourceSummary[] = [];
    let token: string | undefined;
    do {
      const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
      summaries.push(...(page.StackResourceSummaries ?? []));
      token = page.NextToken;
    } while (token);
    const byId = new Map(summaries.filter((s) => s.LogicalResourceId).map((s) => [s.LogicalResourceId, s]));
    stackKeyIds = summaries
      .filter((s) => s.ResourceType === 'AWS::KMS::Key' && s.PhysicalResourceId)
      .map((s) => String(s.PhysicalResourceId));
    const missing = new Map<string, number>();
    const bad: string[] = [];
    let complete = 0;
    for (const [id, resource] of Object.entries(template.Resources)) {
      const summary = byId.get(id);
      if (summary === undefined) missing.set(resource.Type, (missing.get(resource.Type) ?? 0) + 1);
      else if (summary.ResourceStatus !== 'CREATE_COMPLETE')
        bad.push(`${id} (${resource.Type}) ${summary.ResourceStatus}`);
      else complete++;
    }
    for (const [type, count] of [...missing].sort()) {
      rehearsal.notModelled.push(
        `${type} ×${count}: moto's CloudFormation has no model for this type, so it creates nothing for it (the stack still reports CREATE_COMPLETE)`,
      );
    }
    check(bad.length === 0, `not CREATE_COMPLETE: ${bad.join('; ')}`);
    check(complete > 0, 'no resource of the template was created');
    return `${complete} CREATE_COMPLETE, ${[...missing.values()].reduce((a, b) => a + b, 0)} resources of ${missing.size} types not modelled (listed below)`;
  });

  await rehearsal.step('outputs docs/deploy.md names', async () => {
    const absent = readmeOutputs.filter((name) => !outputs[name]);
    check(absent.length === 0, `missing outputs: ${absent.join(', ')}`);
    check(outputs.WebhookUrl?.endsWith('/webhook'), `WebhookUrl ${outputs.WebhookUrl} does not end in /webhook`);
    check(outputs.EnabledEvents?.split(',').includes('invoice.paid'), 'EnabledEvents lacks invoice.paid');
    await sqs.send(new GetQueueUrlCommand({ QueueName: outputs.EventQueueName }));
    await sqs.send(new GetQueueUrlCommand({ QueueName: outputs.DeadLetterQueueName }));
    await ddb.send(new DescribeTableCommand({ TableName: outputs.IdempotencyTableName }));
    const extra = Object.keys(outputs).filter((name) => !(readmeOutputs as readonly string[]).includes(name));
    return `${readmeOutputs.length} present and resolving; also ${extra.join(', ')}`;
  });

  await rehearsal.step('deployed functions: code and environment', async () => {
    const names = new Set(await listFunctionNames(endpoint));
    const ids = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id]) => id);
    const { StackResourceSummaries = [] } = await cfn.send(new ListStackResourcesCommand({ StackName: stackName }));
    for (const id of ids) {
      const physical = StackResourceSummaries.find((s) => s.LogicalResourceId === id)?.PhysicalResourceId;
      check(physical && names.has(physical), `function ${id} is not in the emulator's Lambda`);
      const { Code } = await getFunction(endpoint, physical);
      const configuration = await getFunctionConfiguration(endpoint, physical);
      // moto's Code.Location (https://awslambda-<region>-tasks.s3.<region>.amazonaws.com/<key>) is served by no
      // S3, its own included; the key is the one the function was created from, in the bootstrap asset bucket.
      // The zip read there must be the code the Lambda API holds: its SHA-256 must be the function's CodeSha256.
      const key = new URL(Code.Location).pathname.slice(1);
      const assetBucket = `cdk-hnb659fds-assets-${account}-${region}`;
      const object = await s3.send(new GetObjectCommand({ Bucket: assetBucket, Key: key }));
      const zip = Buffer.from(
        await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      const sha = createHash('sha256').update(zip).digest();
      const expected = (configuration as { CodeSha256?: string }).CodeSha256;
      check(
        expected === sha.toString('base64') || expected === sha.toString('hex'),
        `${physical}: the zip at s3://${assetBucket}/${key} has SHA-256 ${sha.toString('base64')}, the function's CodeSha256 is ${expected}`,
      );
      if (!codeLocationNoted) {
        codeLocationNoted = true;
        rehearsal.notModelled.push(
          "Lambda GetFunction Code.Location: moto answers a URL under awslambda-us-east-1-tasks that no S3 serves; the zip is read from the asset bucket at the same key and checked against the function's CodeSha256",
        );
      }
      const directory = join(work, 'functions', id);
      mkdirSync(directory, { recursive: true });
      unzipTo(zip, directory);
      const role = id.startsWith('Receiver') ? 'receiver' : id.startsWith('Consumer') ? 'consumer' : id;
      functions[role] = {
        name: physical,
        directory,
        handler: configuration.Handler,
        timeout: configuration.Timeout ?? 30,
        env: {
          ...(configuration.Environment?.Variables ?? {}),
          // What Lambda adds, then the emulator in place of AWS.
          AWS_LAMBDA_FUNCTION_NAME: physical,
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_ENDPOINT_URL: endpointUrl,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          PATH: process.env.PATH ?? '',
        },
      };
    }
    check(functions.receiver && functions.consumer, 'no receiver or consumer function found');
    return Object.values(functions)
      .map((f) => `${f.name.replace(`${stackName}-`, '')} (${Object.keys(f.env).length - 7} variables)`)
      .join(', ');
  });

  await rehearsal.step('operator setup: signing secret, SES sender', async () => {
    await secrets.send(
      new PutSecretValueCommand({ SecretId: outputs.SigningSecretName, SecretString: signingSecretValue }),
    );
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: placeholderSenderAddress }));
    return `PutSecretValue on ${outputs.SigningSecretName}; VerifyEmailIdentity ${placeholderSenderAddress}`;
  });

  const event = buildStripeEvent('invoice.paid', {}) as Stripe.Event;
  const body = toStripeWebhookBody(event);

  const deliver = async (): Promise<string> => {
    const receiver = functions.receiver as DeployedFunction;
    const signature = signStripePayload(body, signingSecretValue);
    const result = await invokeInChild(
      receiver.directory,
      receiver.handler,
      buildHttpApiEvent(body, signature),
      receiver.env,
      receiver.timeout,
      work,
    );
    check(result.ok, `receiver threw: ${result.error}\n${result.stderr}`);
    const status = (result.result as { statusCode?: number } | null)?.statusCode;
    check(
      status === 200,
      `receiver answered ${status}: ${JSON.stringify(result.result).slice(0, 300)}\n${result.stderr.slice(-800)}`,
    );
    return `receiver 200`;
  };

  const consume = async (): Promise<string> => {
    const consumer = functions.consumer as DeployedFunction;
    const mappings = await listEventSourceMappings(endpoint, consumer.name);
    check(mappings.length === 1, `${mappings.length} event source mappings for the consumer`);
    const mapping = mappings[0] as (typeof mappings)[number];
    const queueName = mapping.EventSourceArn.split(':').pop() as string;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const batchSize = mapping.BatchSize ?? 10;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: Math.min(10, batchSize),
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    check(Messages.length > 0, `no message in ${queueName}`);
    const records = Messages.map((message) => ({ ...sqsRecord(message, mapping.EventSourceArn), awsRegion: region }));
    const result = await invokeInChild(
      consumer.directory,
      consumer.handler,
      { Records: records },
      consumer.env,
      consumer.timeout,
      work,
    );
    check(result.ok, `consumer threw: ${result.error}\n${result.stderr.slice(-800)}`);
    const failures = (result.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
    check(
      failures.length === 0,
      `consumer reported failures ${JSON.stringify(failures)}\n${result.stderr.slice(-800)}`,
    );
    // Lambda's event source mapping deletes the batch after a successful invocation.
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    return `${records.length} record(s) from ${queueName} (batch size ${batchSize}), no failures`;
  };

  // What SES says it sent (only the consumer sends here). Not moto's data.json dump: with the deployed stack's
  // resources in it, that dump answers 500 (moto cannot serialise some CloudFormation-made objects).
  const receiptsTo = async (): Promise<number> =>
    Number((await ses.send(new GetSendQuotaCommand({}))).SentLast24Hours ?? Number.NaN);

  await rehearsal.step('signed invoice.paid → receiver', deliver);
  await rehearsal.step('queue → consumer', consume);
  await rehearsal.step('receipt in SES', async () => {
    const count = await receiptsTo();
    check(count === 1, `SES sent ${count} messages, expected 1 (the receipt to ${defaultCustomerEmail})`);
    return `1 message sent (the receipt of ${event.id} to ${defaultCustomerEmail})`;
  });
  await rehearsal.step('duplicate delivery → no second receipt', async () => {
    const receiver = await deliver();
    const consumer = await consume();
    const count = await receiptsTo();
    check(count === 1, `SES sent ${count} messages after the duplicate, expected still 1`);
    return `${receiver}; ${consumer}; still 1 message`;
  });

  if (!options.keep && deployed) {
    // Destroy even when a step failed, so a kept emulator (AWS_ENDPOINT_URL) is left clean.
    const failedBefore = rehearsal.failed;
    rehearsal.failed = false;
    await rehearsal.step('cdk destroy', async () => {
      await runCdk(['destroy', stackName, '--app', assembly, '--force'], env, join(work, 'destroy.log'));
      return `${stackName} deleted`;
    });
    await rehearsal.step('retained resources remain, nothing else', async () => {
      const { TableNames = [] } = await ddb.send(new ListTablesCommand({}));
      const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
      const { SecretList = [] } = await secrets.send(new ListSecretsCommand({}));
      const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
      const functionNames = (await listFunctionNames(endpoint)).filter((name) => name.startsWith(stackName));
      const buckets = Buckets.map((b) => b.Name ?? '').filter((name) => !name.startsWith('cdk-hnb659fds-'));
      const problems: string[] = [];
      const expectExactly = (what: string, names: string[], prefixes: string[]) => {
        for (const prefix of prefixes) {
          if (!names.some((n) => n.includes(prefix))) problems.push(`${what} ${prefix} was not retained`);
        }
        for (const name of names) {
          if (!prefixes.some((p) => name.includes(p)))
            problems.push(`${what} ${name} remains but is not retained by the stack`);
        }
      };
      expectExactly('table', TableNames, retained.tables);
      expectExactly('bucket', buckets, retained.buckets);
      expectExactly(
        'secret',
        SecretList.map((s) => s.Name ?? ''),
        retained.secrets,
      );
      if (QueueUrls.length > 0) problems.push(`queues remain: ${QueueUrls.join(', ')}`);
      if (functionNames.length > 0) problems.push(`functions remain: ${functionNames.join(', ')}`);
      // Both keys (the SES events topic's and the alarm topic's) are RETAIN. ListKeys only: moto's DescribeKey
      // fails (500) on a key CloudFormation made, whose policy it stored as an object rather than a string.
      // The stack's keys by id, not a count of every key: moto also makes AWS-managed keys (aws/secretsmanager...)
      // on first use, which are not the stack's.
      const keys = new Set(await listKmsKeys(endpoint));
      const kept = stackKeyIds.filter((id) => keys.has(id) || [...keys].some((key) => key.endsWith(id)));
      if (stackKeyIds.length !== retained.kmsKeys || kept.length !== retained.kmsKeys)
        problems.push(
          `${kept.length} of the stack's ${stackKeyIds.length} KMS keys remain, expected ${retained.kmsKeys} of ${retained.kmsKeys}`,
        );
      check(problems.length === 0, problems.join('; '));
      return `kept: ${TableNames.length} tables, ${buckets.length} bucket, ${SecretList.length} secret, ${kept.length} KMS keys; no queue or function left`;
    });
    rehearsal.failed = rehearsal.failed || failedBefore;
  }

  for (const client of [cfn, sqs, ddb, s3, secrets, ses]) client.destroy();
  if (options.keep) {
    out(
      `--keep: the emulator stays at ${endpointUrl} with ${stackName} deployed; work files in ${work}. Ctrl-C to stop.`,
    );
  } else {
    await stopEmulator?.();
    if (!rehearsal.failed) rmSync(work, { recursive: true, force: true });
    else out(`Work files (cdk logs, the assembly, the functions) kept in ${work}`);
  }
  out('');
  out(rehearsal.summary());
  out(`Wall time ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return rehearsal.failed ? 1 : 0;
}

if (require.main === module) {
  quietSdkNodeVersionWarning();
  let options: RehearsalOptions;
  try {
    options = parseRehearsalArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof RehearsalUsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${rehearsalUsage}\n`);
    process.exit(0);
  }
  runRehearsal(options, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => {
      if (!options.keep) process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
