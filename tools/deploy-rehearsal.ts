/**
 * `npm run deploy:rehearsal`: `cdk bootstrap`, `cdk deploy`, the deployed code run, `cdk destroy`, all on moto.
 * See `--help` (tools/deploy-rehearsal/args.ts), docs/deploy-rehearsal.md and issue 23.
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
 *    alarms, the HTTP API, the SES configuration set, the dispute reminders' schedule group), keeps no outputs
 *    for a stack made by a change set, and runs custom resources only in Docker;
 *    tools/deploy-rehearsal/moto_server_cfn.py adds the models and the
 *    outputs on moto's own backends, and hands custom resource requests to the rehearsal
 *    (tools/deploy-rehearsal/custom-resources.ts). Other missing types are listed as not modelled.
 *
 * `--all-features` deploys every optional feature the emulator can hold (tools/deploy-rehearsal/features.ts
 * says how each is checked, or why it is not) and runs the optional functions too, against the fake Stripe API.
 */
import { spawn, spawnSync } from 'node:child_process';
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
import { GetScheduleGroupCommand, ListScheduleGroupsCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSendQuotaCommand, SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type Stripe from 'stripe';
import { placeholderSenderAddress, stackNameFor } from '../lib/app-context';
import { type AlertWebhookServer, startAlertWebhookServer } from './deploy-rehearsal/alert-webhook-server';
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
import { businessAlertsSteps, rehearsalAlertQueueName } from './deploy-rehearsal/business-alerts-steps';
import { type CustomResourceAnswer, runCustomResource, takeRequests } from './deploy-rehearsal/custom-resources';
import {
  allFeaturesSteps,
  beforeDeploy,
  customResourceDeletes,
  type FeatureRun,
  operatorSetup,
} from './deploy-rehearsal/feature-steps';
import {
  allFeaturesContextArgs,
  featureLines,
  rehearsalAlertWebhookSecretName,
  rehearsalApiKeySecretName,
  rehearsalFeatures,
} from './deploy-rehearsal/features';
import { outputProblems } from './deploy-rehearsal/outputs';
import {
  account,
  check,
  type DeployedFunction,
  invokeInChild,
  Rehearsal,
  region,
  StepFailure,
} from './deploy-rehearsal/steps';
import { startXrayListener, type XrayListener } from './deploy-rehearsal/xray-listener';
import { unzipTo } from './deploy-rehearsal/zip';
import { type FakeStripeApi, startFakeStripeApi } from './fake-stripe/server';
import { sqsRecord } from './local/lambda-shapes';
import { startMoto } from './local/moto';
import { resolveMotoCommand } from './local/moto-provisioning';
import { quietSdkNodeVersionWarning } from './local/resources';
import { buildHttpApiEvent } from './receiver-events';
import { buildStripeEvent, defaultCustomerEmail, signStripePayload, toStripeWebhookBody } from './stripe-events';

const stage = 'dev';
const stackName = stackNameFor(stage);
const root = join(__dirname, '..');
const cdk = join(root, 'node_modules', '.bin', 'cdk');
const signingSecretValue = 'whsec_deploy_rehearsal_0123456789abcdef';

/**
 * The resources with RemovalPolicy.RETAIN in lib/ (what `cdk destroy` leaves), by name part. With every feature
 * also the alert topic's key (a KMS key is RETAIN by default); the alert topic, the reminder dead-letter queue
 * and the schedule group (DESTROY: it takes its pending schedules with it) go with the stack.
 */
export function retainedResources(allFeatures: boolean) {
  return {
    tables: [
      'ConsumerIdempotencyTable',
      'EmailDeliverabilitySuppressionTable',
      ...(allFeatures ? ['BillingStateTable'] : []),
    ],
    buckets: ['largeeventsbucket'],
    secrets: [`stripe-webhooks/${stage}/signing-secret`],
    // The alarm topic's and the SES events topic's; with every feature, the alert topic's too.
    kmsKeys: allFeatures ? 3 : 2,
  };
}

/** The role of a deployed function, from its logical id (the construct path the stack gives it). */
export function functionRole(logicalId: string): string {
  const roles: [string, string][] = [
    ['Receiver', 'receiver'],
    ['Consumer', 'consumer'],
    ['BillingState', 'billingSync'],
    ['EmailDeliverabilitySesEvents', 'sesEvents'],
    ['StripeEndpointStripeEndpointFunction', 'stripeEndpoint'],
    ['StripeEndpointProviderframework', 'stripeEndpointProvider'],
    ['Reconciler', 'reconciler'],
    ['BusinessAlertsDisputeReminder', 'disputeReminder'],
    // aws-cdk-lib's AwsCustomResource provider, one per stack (AwsCustomResource.PROVIDER_FUNCTION_UUID).
    ['AWS679f53fac002430cb0da5b7982bd2287', 'awsCustomResourceProvider'],
  ];
  return roles.find(([prefix]) => logicalId.startsWith(prefix))?.[1] ?? logicalId;
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

export async function runRehearsal(options: RehearsalOptions, out: (line: string) => void): Promise<number> {
  const rehearsal = new Rehearsal(out);
  const { allFeatures } = options;
  const work = mkdtempSync(join(tmpdir(), 'deploy-rehearsal-'));
  const assembly = join(work, 'cdk.out');
  const outputsFile = join(work, 'outputs.json');
  const spool = join(work, 'custom-resources');
  mkdirSync(spool);
  let stopEmulator: (() => Promise<void>) | undefined;
  let fake: FakeStripeApi | undefined;
  let xray: XrayListener | undefined;
  let alertWebhook: AlertWebhookServer | undefined;
  let endpointUrl = process.env.AWS_ENDPOINT_URL?.trim() ?? '';
  const started = Date.now();
  if (allFeatures) rehearsal.features.push(...featureLines(rehearsalFeatures));

  await rehearsal.step('start emulator', async () => {
    if (endpointUrl !== '') {
      return `using AWS_ENDPOINT_URL=${endpointUrl} (it must model AWS::SecretsManager::Secret, AWS::CloudWatch::Alarm, AWS::ApiGatewayV2::Api and AWS::SES::ConfigurationSet in CloudFormation${allFeatures ? ', AWS::SNS::Subscription and AWS::Scheduler::ScheduleGroup too, and hand custom resources to this rehearsal as tools/deploy-rehearsal/moto_server_cfn.py does' : ''})`;
    }
    const python = await motoPython();
    const [file, ...args] = python.split(' ');
    // moto_server_cfn.py writes the custom resource requests here (inherited from this process's environment).
    process.env.DEPLOY_REHEARSAL_CUSTOM_RESOURCES = spool;
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

  if (allFeatures) {
    await rehearsal.step('start fake Stripe API, X-Ray listener, alert webhook', async () => {
      fake = await startFakeStripeApi({ port: 0 });
      xray = await startXrayListener();
      alertWebhook = await startAlertWebhookServer();
      return `tools/fake-stripe at ${fake.url} (STRIPE_API_URL of the functions run here); X-Ray segments to udp ${xray.address}; alert webhook at ${new URL(alertWebhook.url).origin}`;
    });
  }

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
  const sns = new SNSClient(sdk);
  const scheduler = new SchedulerClient(sdk);
  let outputs: Record<string, string> = {};
  let template: { Resources: Record<string, { Type: string }> } = { Resources: {} };
  const functions: Record<string, DeployedFunction> = {};
  const functionsByName = new Map<string, DeployedFunction>();
  /** The raw Lambda configurations read back, by role (TracingConfig and the like). */
  const configurations: Record<string, Record<string, unknown>> = {};
  let codeLocationNoted = false;
  /** The stack's own keys (their ids from CloudFormation): the ones destroy must keep. */
  let stackKeyIds: string[] = [];
  let deployed = false;
  let secretForSigning = signingSecretValue;

  await rehearsal.step('cdk synth', async () => {
    const context = allFeatures ? allFeaturesContextArgs() : [];
    await runCdk(['synth', '--quiet', '--output', assembly, ...context], env, join(work, 'synth.log'));
    template = JSON.parse(readFileSync(join(assembly, `${stackName}.template.json`), 'utf8'));
    return `${Object.keys(template.Resources).length} resources in ${stackName}${allFeatures ? ` (${context.length / 2} context keys)` : ''}`;
  });

  await rehearsal.step('cdk bootstrap', async () => {
    await runCdk(['bootstrap', `aws://${account}/${region}`, '--app', assembly], env, join(work, 'bootstrap.log'));
    return `aws://${account}/${region} (CDKToolkit)`;
  });

  const run: FeatureRun = {
    rehearsal,
    endpoint,
    sdk,
    work,
    stackName,
    outputs: () => outputs,
    functions: () => functions,
    configurations: () => configurations,
    fake: () => fake,
    xray: () => xray,
    consume: (fn, waitSeconds) => consume(fn, waitSeconds),
    receipts: () => receiptsTo(),
    deliver: (signedBody) => deliver(signedBody),
    alertWebhook: () => alertWebhook,
  };

  if (allFeatures) await rehearsal.step('operator, before the deploy', () => beforeDeploy(run));

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

  const listResources = async (): Promise<StackResourceSummary[]> => {
    const summaries: StackResourceSummary[] = [];
    let token: string | undefined;
    do {
      const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
      summaries.push(...(page.StackResourceSummaries ?? []));
      token = page.NextToken;
    } while (token);
    return summaries;
  };

  await rehearsal.step('resources CREATE_COMPLETE', async () => {
    const summaries = await listResources();
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

  await rehearsal.step('deployed functions: code and environment', async () => {
    const deployedVariables = new Map<string, number>();
    const names = new Set(await listFunctionNames(endpoint));
    const ids = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id]) => id);
    const summaries = await listResources();
    for (const id of ids) {
      const physical = summaries.find((s) => s.LogicalResourceId === id)?.PhysicalResourceId;
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
      const role = functionRole(id);
      const { TracingConfig, Runtime } = configuration as { TracingConfig?: { Mode?: string }; Runtime?: string };
      const deployedFunction: DeployedFunction = {
        name: physical,
        directory,
        handler: configuration.Handler,
        timeout: configuration.Timeout ?? 30,
        env: {
          ...(configuration.Environment?.Variables ?? {}),
          // What Lambda adds (with TracingConfig Active, the X-Ray daemon's address: here the rehearsal's
          // listener; invokeInChild adds the sampled trace header), then the emulators in place of AWS and Stripe.
          AWS_LAMBDA_FUNCTION_NAME: physical,
          AWS_EXECUTION_ENV: `AWS_Lambda_${Runtime ?? 'nodejs'}`,
          LAMBDA_TASK_ROOT: directory,
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          ...(TracingConfig?.Mode === 'Active' && xray !== undefined
            ? { AWS_XRAY_DAEMON_ADDRESS: xray.address, AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' }
            : {}),
          AWS_ENDPOINT_URL: endpointUrl,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          PATH: process.env.PATH ?? '',
          ...(fake === undefined ? {} : { STRIPE_API_URL: fake.url }),
        },
      };
      deployedVariables.set(role, Object.keys(configuration.Environment?.Variables ?? {}).length);
      functions[role] = deployedFunction;
      functionsByName.set(physical, deployedFunction);
      configurations[role] = configuration as unknown as Record<string, unknown>;
    }
    check(functions.receiver && functions.consumer, 'no receiver or consumer function found');
    return Object.entries(functions)
      .map(([role, f]) => `${f.name.replace(`${stackName}-`, '')} (${deployedVariables.get(role)} variables)`)
      .join(', ');
  });

  let customResources: CustomResourceAnswer[] = [];
  if (allFeatures) {
    await rehearsal.step('custom resources: Create', async () => {
      const requests = takeRequests(spool, 'Create');
      check(requests.length > 0, 'no custom resource request reached the rehearsal (see moto_server_cfn.py)');
      customResources = [];
      for (const request of requests) {
        customResources.push(await runCustomResource(request, { endpointUrl, functionsByName, work }));
      }
      const summaries = await listResources();
      for (const answered of customResources) {
        const physical = summaries.find((s) => s.LogicalResourceId === answered.logicalId)?.PhysicalResourceId;
        check(
          physical === answered.physicalId,
          `${answered.logicalId}: the stack says ${physical}, the answer was ${answered.physicalId}`,
        );
      }
      return customResources.map((c) => `${c.type} ${c.physicalId}: ${c.how}`).join('; ');
    });
  }

  await rehearsal.step('outputs', async () => {
    const problems = outputProblems(outputs, allFeatures);
    check(problems.length === 0, problems.join('; '));
    check(outputs.WebhookUrl?.endsWith('/webhook'), `WebhookUrl ${outputs.WebhookUrl} does not end in /webhook`);
    check(outputs.EnabledEvents?.split(',').includes('invoice.paid'), 'EnabledEvents lacks invoice.paid');
    await sqs.send(new GetQueueUrlCommand({ QueueName: outputs.EventQueueName }));
    await sqs.send(new GetQueueUrlCommand({ QueueName: outputs.DeadLetterQueueName }));
    await ddb.send(new DescribeTableCommand({ TableName: outputs.IdempotencyTableName }));
    await ddb.send(new DescribeTableCommand({ TableName: outputs.SuppressionTableName }));
    if (allFeatures) {
      await ddb.send(new DescribeTableCommand({ TableName: outputs.BillingStateTableName }));
      await sns.send(new GetTopicAttributesCommand({ TopicArn: outputs.BusinessAlertTopicArn }));
      await sqs.send(new GetQueueUrlCommand({ QueueName: outputs.DisputeReminderDeadLetterQueueName }));
      await scheduler.send(new GetScheduleGroupCommand({ Name: outputs.DisputeReminderScheduleGroupName }));
    }
    return `the ${Object.keys(outputs).length} outputs docs/deploy.md lists${allFeatures ? ' with these features' : ''}, exactly; queues and tables${allFeatures ? ', the alert topic and the schedule group' : ''} resolve`;
  });

  await rehearsal.step('operator setup: signing secret, SES sender', async () => {
    if (allFeatures) {
      const setup = await operatorSetup(run);
      secretForSigning = setup.signingSecret;
      return setup.detail;
    }
    await secrets.send(
      new PutSecretValueCommand({ SecretId: outputs.SigningSecretName, SecretString: signingSecretValue }),
    );
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: placeholderSenderAddress }));
    return `PutSecretValue on ${outputs.SigningSecretName}; VerifyEmailIdentity ${placeholderSenderAddress}`;
  });

  // livemode=live (--all-features) handles live-mode events only.
  const event = buildStripeEvent('invoice.paid', allFeatures ? { livemode: true } : {}) as Stripe.Event;
  const body = toStripeWebhookBody(event);

  const deliver = async (payload = body): Promise<string> => {
    const receiver = functions.receiver as DeployedFunction;
    const signature = signStripePayload(payload, secretForSigning);
    const result = await invokeInChild(
      receiver.directory,
      receiver.handler,
      buildHttpApiEvent(payload, signature),
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

  /** Gives `fn` the batch its event source mapping would: up to its batch size from its queue. */
  const consume = async (fn: DeployedFunction, waitSeconds = 1): Promise<string> => {
    const mappings = await listEventSourceMappings(endpoint, fn.name);
    check(mappings.length === 1, `${mappings.length} event source mappings for ${fn.name}`);
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
        WaitTimeSeconds: waitSeconds,
      }),
    );
    check(Messages.length > 0, `no message in ${queueName} within ${waitSeconds} s`);
    const records = Messages.map((message) => ({ ...sqsRecord(message, mapping.EventSourceArn), awsRegion: region }));
    const result = await invokeInChild(fn.directory, fn.handler, { Records: records }, fn.env, fn.timeout, work);
    check(result.ok, `${fn.name} threw: ${result.error}\n${result.stderr.slice(-800)}`);
    const failures = (result.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
    check(
      failures.length === 0,
      `${fn.name} reported failures ${JSON.stringify(failures)}\n${result.stderr.slice(-800)}`,
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

  if (allFeatures) {
    await rehearsal.step('stripeIpAllowlist: a non-Stripe address → 403', async () => {
      const receiver = functions.receiver as DeployedFunction;
      const request = buildHttpApiEvent(body, signStripePayload(body, secretForSigning));
      const outsider = '192.0.2.10';
      request.requestContext.http.sourceIp = outsider;
      request.headers['x-forwarded-for'] = outsider;
      const result = await invokeInChild(receiver.directory, receiver.handler, request, receiver.env, 10, work);
      const status = (result.result as { statusCode?: number } | null)?.statusCode;
      check(result.ok && status === 403, `receiver answered ${status ?? result.error} to ${outsider}, expected 403`);
      return `403 to ${outsider} (the signed request from Stripe's address is the next step)`;
    });
  }
  await rehearsal.step('signed invoice.paid → receiver', () => deliver());
  await rehearsal.step('queue → consumer', () => consume(functions.consumer as DeployedFunction));
  await rehearsal.step('receipt in SES', async () => {
    const count = await receiptsTo();
    check(count === 1, `SES sent ${count} messages, expected 1 (the receipt to ${defaultCustomerEmail})`);
    return `1 message sent (the receipt of ${event.id} to ${defaultCustomerEmail})`;
  });
  await rehearsal.step('duplicate delivery → no second receipt', async () => {
    const receiver = await deliver();
    const consumer = await consume(functions.consumer as DeployedFunction);
    const count = await receiptsTo();
    check(count === 1, `SES sent ${count} messages after the duplicate, expected still 1`);
    return `${receiver}; ${consumer}; still 1 message`;
  });
  if (allFeatures) {
    await allFeaturesSteps(run, event);
    await businessAlertsSteps(run);
  }

  if (!options.keep && deployed) {
    // Destroy even when a step failed, so a kept emulator (AWS_ENDPOINT_URL) is left clean.
    const failedBefore = rehearsal.failed;
    rehearsal.failed = false;
    await rehearsal.step('cdk destroy', async () => {
      await runCdk(['destroy', stackName, '--app', assembly, '--force'], env, join(work, 'destroy.log'));
      return `${stackName} deleted`;
    });
    if (allFeatures) {
      await rehearsal.step('custom resources: Delete', () =>
        customResourceDeletes(run, takeRequests(spool, 'Delete'), (request) =>
          runCustomResource(request, { endpointUrl, functionsByName, work }),
        ),
      );
    }
    await rehearsal.step('retained resources remain, nothing else', async () => {
      const retained = retainedResources(allFeatures);
      const { TableNames = [] } = await ddb.send(new ListTablesCommand({}));
      const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
      const { SecretList = [] } = await secrets.send(new ListSecretsCommand({}));
      const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
      const functionNames = (await listFunctionNames(endpoint)).filter((name) => name.startsWith(stackName));
      const buckets = Buckets.map((b) => b.Name ?? '').filter((name) => !name.startsWith('cdk-hnb659fds-'));
      // The operator's Stripe API key and alert webhook secrets, and the queue subscribed to the alert topic
      // (--all-features), were made by the rehearsal as the operator, not by the stack.
      const operatorSecrets = [rehearsalApiKeySecretName, rehearsalAlertWebhookSecretName];
      const secretNames = SecretList.map((s) => s.Name ?? '').filter((name) => !operatorSecrets.includes(name));
      const queues = QueueUrls.filter((url) => !url.endsWith(`/${rehearsalAlertQueueName}`));
      const problems: string[] = [];
      const expectExactly = (what: string, names: string[], parts: string[]) => {
        for (const part of parts) {
          if (!names.some((n) => n.includes(part))) problems.push(`${what} ${part} was not retained`);
        }
        for (const name of names) {
          if (!parts.some((p) => name.includes(p)))
            problems.push(`${what} ${name} remains but is not retained by the stack`);
        }
      };
      expectExactly('table', TableNames, retained.tables);
      expectExactly('bucket', buckets, retained.buckets);
      expectExactly('secret', secretNames, retained.secrets);
      if (queues.length > 0) problems.push(`queues remain: ${queues.join(', ')}`);
      if (functionNames.length > 0) problems.push(`functions remain: ${functionNames.join(', ')}`);
      // The topics (the alert topic with its subscriptions) and the schedule group with any pending reminder go
      // with the stack; their key stays (counted below).
      const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
      const topics = Topics.map((t) => t.TopicArn ?? '').filter((arn) => arn.includes(`:${stackName}-`));
      if (topics.length > 0) problems.push(`topics remain: ${topics.join(', ')}`);
      const { ScheduleGroups = [] } = await scheduler.send(new ListScheduleGroupsCommand({}));
      const groups = ScheduleGroups.map((g) => g.Name ?? '').filter((name) => name !== 'default');
      if (groups.length > 0) problems.push(`schedule groups remain: ${groups.join(', ')}`);
      // The keys (the SES events topic's, the alarm topic's, with every feature the alert topic's) are RETAIN.
      // ListKeys only: moto's DescribeKey fails (500) on a key CloudFormation made, whose policy it stored as an object rather than a string.
      // The stack's keys by id, not a count of every key: moto also makes AWS-managed keys (aws/secretsmanager...)
      // on first use, which are not the stack's.
      const keys = new Set(await listKmsKeys(endpoint));
      const kept = stackKeyIds.filter((id) => keys.has(id) || [...keys].some((key) => key.endsWith(id)));
      if (stackKeyIds.length !== retained.kmsKeys || kept.length !== retained.kmsKeys)
        problems.push(
          `${kept.length} of the stack's ${stackKeyIds.length} KMS keys remain, expected ${retained.kmsKeys} of ${retained.kmsKeys}`,
        );
      check(problems.length === 0, problems.join('; '));
      return `kept: ${TableNames.length} tables, ${buckets.length} bucket, ${secretNames.length} secret, ${kept.length} KMS keys; no queue, function, topic or schedule group left`;
    });
    rehearsal.failed = rehearsal.failed || failedBefore;
  }

  for (const client of [cfn, sqs, ddb, s3, secrets, ses, sns, scheduler]) client.destroy();
  if (options.keep) {
    out(
      `--keep: the emulator stays at ${endpointUrl} with ${stackName} deployed${fake ? `, the fake Stripe API at ${fake.url}` : ''}; work files in ${work}. Ctrl-C to stop.`,
    );
  } else {
    await fake?.close();
    await xray?.close();
    await alertWebhook?.close();
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
