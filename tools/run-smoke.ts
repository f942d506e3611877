/**
 * `npm run smoke`: sends one signed test-mode event to a deployed stack's webhook URL (or to `npm start`),
 * waits until the consumer has marked it done in the idempotency table, and prints the timings. The
 * event is an `invoice.paid` of amount 0, for which the built-in emails send nothing (no receipt for a
 * zero amount), so a smoke test of production emails no one. The logic lives here, apart from the
 * `tools/smoke.ts` entry point, so that tests run it against their own pipeline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { idempotencyTableSchema } from '../config/contract';
import { completedStatus, eventKey } from '../functions/consumer/idempotency-store';
import { devSigningSecret, localRegion, localResourceNames } from './local/defaults';
import { type LocalPipelineState, localPipelineStatePath } from './local/state';
import { buildStripeEvent, signStripePayload, stripeDeliveryHeaders, toStripeWebhookBody } from './stripe-events';

export interface SmokeIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Reads the `status` of an event's idempotency item (undefined: no item yet). @default DynamoDB GetItem */
  readonly readStatus?: (target: SmokeTarget, eventId: string) => Promise<string | undefined>;
  /** Reads a deployed stack's outputs and signing secret. @default CloudFormation and Secrets Manager */
  readonly readStack?: (stackName: string, region: string | undefined) => Promise<SmokeTarget>;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Where the smoke test sends and what it reads back. */
export interface SmokeTarget {
  readonly url: string;
  readonly table: string;
  readonly secret: string;
  /** DynamoDB endpoint: an emulator's (npm start), or undefined for AWS. */
  readonly endpoint?: string;
  readonly region?: string;
}

export interface SmokeResult {
  /** 0: answered 2xx and done in time; 1: refused, failed or timed out; 2: bad command line. */
  readonly exitCode: 0 | 1 | 2;
  readonly eventId?: string;
  readonly answerMs?: number;
  readonly doneMs?: number;
}

export class SmokeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmokeSetupError';
  }
}

const defaultTimeoutSeconds = 60;
const pollIntervalMs = 250;
const progressEveryMs = 5_000;

export function smokeUsage(): string {
  return [
    'Usage: npm run smoke -- [--stack NAME [--region R] | --url URL --table NAME [--secret S] [--endpoint URL]] [--timeout S]',
    '',
    'Sends one signed test-mode event (invoice.paid, amount 0: no email is sent) to the webhook URL, waits',
    'until its idempotency record is done, and prints how long the answer and the processing took.',
    '',
    'Targets:',
    '  (none)           the running `npm start` (found in .local/pipeline.json)',
    '  --stack NAME     a deployed stack: WebhookUrl, IdempotencyTableName and SigningSecretArn from its outputs,',
    '                   the signing secret read from Secrets Manager (needs AWS credentials)',
    '  --url URL --table NAME',
    '                   any endpoint and its idempotency table',
    '',
    'Options:',
    '  --region R       region of the stack (default $AWS_REGION)',
    '  --secret S       signing secret for --url (default $STRIPE_WEBHOOK_SECRET, else the local dev secret)',
    "  --endpoint URL   DynamoDB endpoint for --url (default $AWS_ENDPOINT_URL, else npm start's emulator for a local URL)",
    `  --timeout S      seconds to wait for the record to be done (default ${defaultTimeoutSeconds})`,
    '  -h, --help       show this help',
    '',
    'On a stage deployed with livemode=live, test-mode events are filtered before they are recorded, so the',
    'smoke test cannot see them done: run it against a test-mode stage.',
  ].join('\n');
}

function parseSmokeArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: false,
    strict: true,
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      url: { type: 'string' },
      table: { type: 'string' },
      secret: { type: 'string' },
      endpoint: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

function localState(): LocalPipelineState | undefined {
  if (!existsSync(localPipelineStatePath)) return undefined;
  try {
    return JSON.parse(readFileSync(localPipelineStatePath, 'utf8')) as LocalPipelineState;
  } catch {
    return undefined;
  }
}

const devSecret = devSigningSecret;
const isLocal = (url: string) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url);

/** The target the command line names; throws {@link SmokeSetupError} with what to pass instead. */
async function targetOf(values: ReturnType<typeof parseSmokeArgs>, io: SmokeIo): Promise<SmokeTarget> {
  if (values.stack !== undefined) {
    if (values.url !== undefined || values.table !== undefined) {
      throw new SmokeSetupError('Pass either --stack or --url with --table, not both.');
    }
    const readStack = io.readStack ?? readDeployedStack;
    return readStack(values.stack, values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION);
  }
  const state = localState();
  if (values.url === undefined && values.table === undefined) {
    if (state === undefined) {
      throw new SmokeSetupError(
        'No target: pass --stack NAME, or --url URL --table NAME, or start the local pipeline with `npm start`.',
      );
    }
    return {
      url: state.webhookUrl,
      table: localResourceNames.idempotencyTable,
      secret: values.secret ?? io.env.STRIPE_WEBHOOK_SECRET ?? devSecret,
      endpoint: state.emulatorEndpoint,
      region: localRegion,
    };
  }
  if (values.url === undefined || values.table === undefined) {
    throw new SmokeSetupError('--url and --table go together: the webhook URL and the idempotency table it writes.');
  }
  if (!URL.canParse(values.url))
    throw new SmokeSetupError(`--url ${JSON.stringify(values.url)} is not an absolute URL.`);
  const endpoint =
    values.endpoint ?? io.env.AWS_ENDPOINT_URL ?? (isLocal(values.url) ? state?.emulatorEndpoint : undefined);
  return {
    url: values.url,
    table: values.table,
    secret: values.secret ?? io.env.STRIPE_WEBHOOK_SECRET ?? devSecret,
    ...(endpoint === undefined ? {} : { endpoint, region: io.env.AWS_REGION ?? localRegion }),
  };
}

/** Runs the smoke test with `argv` (the arguments after the script name). Never throws for bad input. */
export async function runSmoke(argv: readonly string[], io: SmokeIo): Promise<SmokeResult> {
  let values: ReturnType<typeof parseSmokeArgs>;
  try {
    values = parseSmokeArgs(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${smokeUsage()}`);
    return { exitCode: 2 };
  }
  if (values.help) {
    io.out(smokeUsage());
    return { exitCode: 0 };
  }
  const timeoutSeconds = values.timeout === undefined ? defaultTimeoutSeconds : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    io.err(`--timeout ${JSON.stringify(values.timeout)} must be a number of seconds above 0.`);
    return { exitCode: 2 };
  }
  let target: SmokeTarget;
  try {
    target = await targetOf(values, io);
  } catch (error) {
    if (!(error instanceof SmokeSetupError)) throw error;
    io.err(error.message);
    return { exitCode: 2 };
  }
  const now = io.now ?? Date.now;
  const post = io.fetch ?? fetch;
  const readStatus = io.readStatus ?? readItemStatus;

  const event = buildStripeEvent('invoice.paid', { amount: 0, livemode: false, email: 'smoke-test@example.com' });
  const body = toStripeWebhookBody(event);
  io.out(`Smoke test: ${target.url} (idempotency table ${target.table})`);
  io.out(`→ invoice.paid ${event.id} (test mode, amount 0: no email)`);
  const sentAt = now();
  let status: number;
  let text: string;
  try {
    const response = await post(target.url, {
      method: 'POST',
      headers: { ...stripeDeliveryHeaders, 'stripe-signature': signStripePayload(body, target.secret) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    io.err(`✗ could not POST to ${target.url}: ${error instanceof Error ? error.message : String(error)}${cause}`);
    return { exitCode: 1, eventId: event.id };
  }
  const answerMs = now() - sentAt;
  if (status < 200 || status >= 300) {
    io.err(`✗ ${status} after ${answerMs} ms: ${text.slice(0, 300)}`);
    if (status === 400)
      io.err(
        "A signature_mismatch means the secret is not the endpoint's: pass --secret, or check the stack's secret.",
      );
    return { exitCode: 1, eventId: event.id, answerMs };
  }
  io.out(`✔ ${status} in ${answerMs} ms`);
  if (/"ignored":\s*true/.test(text)) {
    io.err(
      '✗ the receiver acknowledged invoice.paid without queueing it: no handler subscribes to it, so there is nothing to wait for.',
    );
    return { exitCode: 1, eventId: event.id, answerMs };
  }
  io.out(`… waiting for its idempotency record to be done (up to ${timeoutSeconds} s)`);
  let lastProgress = now();
  let lastStatus: string | undefined;
  for (;;) {
    try {
      lastStatus = await readStatus(target, event.id);
    } catch (error) {
      io.err(
        `✗ could not read ${target.table}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
      return { exitCode: 1, eventId: event.id, answerMs };
    }
    const elapsed = now() - sentAt;
    if (lastStatus === completedStatus) {
      io.out(`✔ done ${elapsed} ms after sending`);
      io.out(`Timings: answer ${answerMs} ms, done ${elapsed} ms (event ${event.id})`);
      return { exitCode: 0, eventId: event.id, answerMs, doneMs: elapsed };
    }
    if (elapsed > timeoutSeconds * 1000) {
      io.err(
        `✗ not done after ${timeoutSeconds} s (record: ${lastStatus ?? 'none'}). Check the consumer's logs for ${event.id}, the ConsumerErrors alarm, and whether the stage filters test-mode events (livemode=live).`,
      );
      return { exitCode: 1, eventId: event.id, answerMs };
    }
    if (now() - lastProgress >= progressEveryMs) {
      lastProgress = now();
      io.out(`… ${Math.round(elapsed / 1000)} s, record: ${lastStatus ?? 'none yet'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

const clients = new Map<string, DynamoDBClient>();

/** The `status` of the event's item, read consistently (undefined when there is none yet). */
async function readItemStatus(target: SmokeTarget, eventId: string): Promise<string | undefined> {
  const key = `${target.endpoint ?? 'aws'}|${target.region ?? ''}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new DynamoDBClient({
      ...(target.region === undefined ? {} : { region: target.region }),
      ...(target.endpoint === undefined
        ? {}
        : { endpoint: target.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    });
    clients.set(key, client);
  }
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: target.table,
      Key: { [idempotencyTableSchema.partitionKey]: { S: eventKey(eventId) } },
      ConsistentRead: true,
    }),
  );
  return Item?.status?.S;
}

/** A deployed stack's webhook URL, table and newest signing secret, from its outputs and Secrets Manager. */
async function readDeployedStack(stackName: string, region: string | undefined): Promise<SmokeTarget> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const config = region === undefined ? {} : { region };
  let outputs: Record<string, string>;
  try {
    const { Stacks = [] } = await new CloudFormationClient(config).send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    throw new SmokeSetupError(
      `Could not read the outputs of stack ${stackName} (${error instanceof Error ? error.message : String(error)}): check the name, --region and your AWS credentials.`,
    );
  }
  const url = outputs.WebhookUrl;
  const table = outputs.IdempotencyTableName;
  const secretId = outputs.SigningSecretArn;
  if (url === undefined || table === undefined || secretId === undefined) {
    throw new SmokeSetupError(
      `Stack ${stackName} has no WebhookUrl, IdempotencyTableName or SigningSecretArn output: the smoke test needs the webhook path (ingress webhook or both).`,
    );
  }
  const { SecretString = '' } = await new SecretsManagerClient(config).send(
    new GetSecretValueCommand({ SecretId: secretId }),
  );
  // Several secrets may be stored while one is rolled; the last one is the newest.
  const secret = SecretString.split(/[\s,]+/)
    .filter((value) => value.startsWith('whsec_'))
    .at(-1);
  if (secret === undefined) {
    throw new SmokeSetupError(
      `The signing secret ${secretId} holds no whsec_ value yet: store the endpoint's signing secret first.`,
    );
  }
  return { url, table, secret, ...(region === undefined ? {} : { region }) };
}
