/**
 * `npm run events:env`: writes `events/env.json`, the `--env-vars` file of `sam local invoke`, from the
 * synthesized template (every optional feature on) and the names `npm start` gives its resources in moto.
 *
 * SAM overrides only the variables a template declares, and replaces a `Ref` it is not given with the
 * resource's logical id (a `Fn::GetAtt ... Arn` with a made-up Lambda ARN): a function whose table name is
 * left to SAM asks moto for a table called `EmailDeliverabilitySuppressionTable555447D3`. So every variable
 * the template sets from a resource (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`) gets the local resource's
 * name, URL or ARN here, for every function; so do the few plain values that must point at local things
 * (the emulator, the fake Stripe API and its key, the verified sender, the stage, the reminders' schedule
 * group). A reference with no local counterpart stops the generator with what to add, rather than leaving SAM
 * to guess.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { envVarNames } from '../config/contract';
import { addStripeWebhooks } from '../lib/app';
import { contextKeys } from '../lib/app-context';
import { localFakeStripeApiPort, localStripeApiUrlOf } from '../lib/local-endpoints';
import type { StripeWebhooksStack } from '../lib/stripe-webhooks-stack';
import { parseCommandLine, runCommand, UsageError, wantsHelp } from './cli';
import { localRegion, localResourceNames, localSenderAddress } from './local/defaults';
import { localBusinessAlertNames, localDeliverabilityNames } from './local/resources';

const repositoryRoot = join(__dirname, '..');
export const envJsonPath = join(repositoryRoot, 'events', 'env.json');

/** The emulator as a function's container reaches it: `MOTO_HOST=0.0.0.0 MOTO_PORT=5000 FAKE_STRIPE_HOST=0.0.0.0 npm start` on the host. */
export const containerEmulatorEndpoint = 'http://host.docker.internal:5000';

/** npm start's fake Stripe API as a function's container reaches it: with `FAKE_STRIPE_HOST=0.0.0.0` too. */
export const containerStripeApiUrl = localStripeApiUrlOf(containerEmulatorEndpoint);

/** moto's account, and SAM's (`AWS::AccountId` and `AWS_ACCOUNT_ID` in its containers). */
export const localAccountId = '123456789012';

/** The stage `npm start` runs (its metrics and logs say `local`). */
export const localStage = 'local';

/** A partner event source name of the right shape: only for synthesis, nothing reads it locally. */
const exampleEventSourceName = 'aws.partner/stripe.com/ed_test_local_example';

/**
 * The context that turns every optional feature on that adds functions or variables, so that env.json
 * covers them: billing state (its sync function), the reconciler, the managed Stripe endpoint, the
 * EventBridge ingress beside the webhook, and the business alerts (their topic and dispute reminders; not
 * `alertWebhookSecretName`, whose URL would post to a real chat tool). `localEndpointUrl` declares
 * `AWS_ENDPOINT_URL` and `STRIPE_API_URL`, as the docs' `npx cdk synth -c localEndpointUrl=...` does.
 */
export function allFeaturesContext(endpoint: string): Record<string, string> {
  return {
    [contextKeys.localEndpointUrl]: endpoint,
    [contextKeys.stripeApiKeySecretName]: localResourceNames.stripeApiKey,
    [contextKeys.billingState]: 'true',
    [contextKeys.reconciler]: 'true',
    [contextKeys.stripeEndpoint]: 'managed',
    [contextKeys.ingress]: 'both',
    [contextKeys.stripeEventSourceName]: exampleEventSourceName,
    [contextKeys.businessAlerts]: 'true',
  };
}

/** What a resource is locally: what `npm start` creates in moto (`tools/local/resources.ts`, `stripe-api.ts`). */
export type LocalCounterpart =
  | { readonly kind: 'queue'; readonly name: string }
  | { readonly kind: 'table'; readonly name: string }
  | { readonly kind: 'secret'; readonly name: string }
  | { readonly kind: 'bucket'; readonly name: string }
  | { readonly kind: 'configurationSet'; readonly name: string }
  | { readonly kind: 'topic'; readonly name: string }
  /** Named by ARN only (a schedule's target): moto has no such function, and never runs the schedule. */
  | { readonly kind: 'function'; readonly name: string }
  /** Named by ARN only (a schedule's role): moto does not check it. */
  | { readonly kind: 'role'; readonly name: string };

/** Plain values of the template that must point at local things, by variable name. */
export function localPlainValues(endpoint: string): Readonly<Record<string, string>> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    // npm start's fake Stripe API on the emulator's host (FAKE_STRIPE_HOST=0.0.0.0 opens it to containers).
    [envVarNames.stripeApiUrl]: localStripeApiUrlOf(endpoint),
    // A literal in the template (unique per stack); npm start creates this group when the alerts are on.
    [envVarNames.disputeReminderScheduleGroup]: localBusinessAlertNames.scheduleGroup,
    // moto refuses a sender that is not a verified identity; npm start verifies this one.
    [envVarNames.senderAddress]: localSenderAddress,
    [envVarNames.stage]: localStage,
    // npm start stores the fake Stripe API's key under this name.
    [envVarNames.stripeApiKeySecretId]: localResourceNames.stripeApiKey,
  };
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: { readonly Environment?: { readonly Variables?: Record<string, unknown> } };
  readonly Metadata?: Record<string, unknown>;
}

export interface CloudFormationTemplate {
  readonly Resources: Record<string, TemplateResource>;
}

export class NoLocalCounterpartError extends Error {
  constructor(functionId: string, variable: string, detail: string) {
    super(
      `${variable} of ${functionId} ${detail}. Give it a local counterpart in localCounterpartsOf (tools/events-env.ts), ` +
        'named as npm start creates it (tools/local/resources.ts), then run npm run events:env again.',
    );
    this.name = 'NoLocalCounterpartError';
  }
}

/** The local counterpart of each resource the stack's functions refer to, by logical id. */
export function localCounterpartsOf(stack: StripeWebhooksStack): Map<string, LocalCounterpart> {
  const counterparts = new Map<string, LocalCounterpart>();
  const add = (construct: IConstruct | undefined, counterpart: LocalCounterpart) => {
    const resource = construct?.node.defaultChild;
    if (resource === undefined || !CfnElement.isCfnElement(resource)) return;
    counterparts.set(stack.getLogicalId(resource), counterpart);
  };
  const { pipeline } = stack;
  add(pipeline.queue, { kind: 'queue', name: localResourceNames.queue });
  add(pipeline.deadLetterQueue, { kind: 'queue', name: localResourceNames.deadLetterQueue });
  add(pipeline.table, { kind: 'table', name: localResourceNames.idempotencyTable });
  add(pipeline.signingSecret, { kind: 'secret', name: localResourceNames.signingSecret });
  add(pipeline.largeEvents?.bucket, { kind: 'bucket', name: localResourceNames.largeEventBucket });
  add(pipeline.suppressionTable, { kind: 'table', name: localDeliverabilityNames.suppressionTable });
  add(pipeline.configurationSet, { kind: 'configurationSet', name: localDeliverabilityNames.configurationSet });
  add(pipeline.billingState?.table, { kind: 'table', name: localResourceNames.billingStateTable });
  add(pipeline.billingState?.syncQueue, { kind: 'queue', name: localResourceNames.billingSyncQueue });
  add(pipeline.billingState?.syncDeadLetterQueue, {
    kind: 'queue',
    name: localResourceNames.billingSyncDeadLetterQueue,
  });
  const alerts = pipeline.businessAlerts;
  add(alerts?.topic, { kind: 'topic', name: localBusinessAlertNames.topic });
  add(alerts?.reminderFunction, { kind: 'function', name: localBusinessAlertNames.reminderFunction });
  add(alerts?.schedulerRole, { kind: 'role', name: localBusinessAlertNames.schedulerRole });
  return counterparts;
}

const pseudoParameters: Readonly<Record<string, string>> = {
  'AWS::Region': localRegion,
  'AWS::AccountId': localAccountId,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** `Ref` or `Fn::GetAtt` of a local counterpart, as moto names it; undefined when it has no such attribute. */
function attributeOf(counterpart: LocalCounterpart, attribute: string, endpoint: string): string | undefined {
  const { name } = counterpart;
  const arnPrefix = `arn:aws:%s:${localRegion}:${localAccountId}`;
  switch (counterpart.kind) {
    case 'queue':
      if (attribute === 'Ref' || attribute === 'QueueUrl') return `${endpoint}/${localAccountId}/${name}`;
      if (attribute === 'QueueName') return name;
      if (attribute === 'Arn') return `${arnPrefix.replace('%s', 'sqs')}:${name}`;
      return undefined;
    case 'table':
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn') return `${arnPrefix.replace('%s', 'dynamodb')}:table/${name}`;
      return undefined;
    case 'bucket':
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn') return `arn:aws:s3:::${name}`;
      return undefined;
    // A topic's Ref is its ARN.
    case 'topic':
      if (attribute === 'Ref' || attribute === 'TopicArn') return `${arnPrefix.replace('%s', 'sns')}:${name}`;
      if (attribute === 'TopicName') return name;
      return undefined;
    case 'function':
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn') return `${arnPrefix.replace('%s', 'lambda')}:function:${name}`;
      return undefined;
    case 'role':
      if (attribute === 'Ref') return name;
      if (attribute === 'Arn') return `arn:aws:iam::${localAccountId}:role/${name}`;
      return undefined;
    // Secrets Manager takes the name wherever it takes the ARN; moto's ARNs end in a random suffix.
    case 'secret':
    case 'configurationSet':
      return attribute === 'Ref' ? name : undefined;
  }
}

/**
 * Resolves a variable's value (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`) with the local counterparts.
 * Throws {@link NoLocalCounterpartError} naming what is missing.
 */
export function resolveLocally(
  value: unknown,
  counterparts: ReadonlyMap<string, LocalCounterpart>,
  endpoint: string,
  describe: (detail: string) => Error,
): string {
  const reference = (logicalId: string, attribute: string): string => {
    const pseudo = attribute === 'Ref' ? pseudoParameters[logicalId] : undefined;
    if (pseudo !== undefined) return pseudo;
    const counterpart = counterparts.get(logicalId);
    if (counterpart === undefined) throw describe(`refers to ${logicalId}, which has no local counterpart`);
    const resolved = attributeOf(counterpart, attribute, endpoint);
    if (resolved === undefined) {
      throw describe(`refers to ${attribute} of ${logicalId} (a local ${counterpart.kind}), which is not resolved`);
    }
    return resolved;
  };
  const resolve = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (typeof node === 'number' || typeof node === 'boolean') return String(node);
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw describe(`has a value of an unexpected shape: ${JSON.stringify(node)}`);
    }
    const entries = Object.entries(node);
    const [intrinsic, argument] = entries[0] ?? [];
    if (entries.length !== 1 || intrinsic === undefined) {
      throw describe(`has an object value: ${JSON.stringify(node)}`);
    }
    if (intrinsic === 'Ref') return reference(String(argument), 'Ref');
    if (intrinsic === 'Fn::GetAtt') {
      const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
      return reference(String(logicalId), String(attribute));
    }
    if (intrinsic === 'Fn::Join' && Array.isArray(argument)) {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    if (intrinsic === 'Fn::Sub') {
      const [text, variables] = (Array.isArray(argument) ? argument : [argument, {}]) as [
        string,
        Record<string, unknown>,
      ];
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
        if (name in variables) return resolve(variables[name]);
        const [logicalId, attribute] = name.includes('.') ? name.split('.', 2) : [name, 'Ref'];
        return reference(logicalId ?? name, attribute ?? 'Ref');
      });
    }
    throw describe(`uses ${intrinsic}, which the generator does not resolve`);
  };
  return resolve(value);
}

/** Functions CDK adds itself (the custom resource provider's relay): nothing of this project to invoke. */
function isCdkFrameworkFunction(resource: TemplateResource): boolean {
  return /\/Provider\/framework-[^/]+\/Resource$/.test(String(resource.Metadata?.['aws:cdk:path'] ?? ''));
}

export type SamEnvironment = Record<string, Record<string, string>>;

/**
 * env.json for a template: for each of its functions (by logical id, what `sam local invoke` takes), every
 * variable set from a resource, resolved to its local counterpart, and the plain ones that must be local.
 */
export function samEnvironmentOf(
  template: CloudFormationTemplate,
  counterparts: ReadonlyMap<string, LocalCounterpart>,
  endpoint: string,
): SamEnvironment {
  const plain = localPlainValues(endpoint);
  const environment: SamEnvironment = {};
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && !isCdkFrameworkFunction(resource))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [logicalId, resource] of functions) {
    const variables: Record<string, string> = {};
    for (const [name, value] of Object.entries(resource.Properties?.Environment?.Variables ?? {})) {
      if (typeof value === 'string') {
        const local = plain[name];
        if (local !== undefined) variables[name] = local;
        continue;
      }
      variables[name] = resolveLocally(
        value,
        counterparts,
        endpoint,
        (detail) => new NoLocalCounterpartError(logicalId, name, detail),
      );
    }
    if (Object.keys(variables).length > 0) {
      environment[logicalId] = Object.fromEntries(Object.entries(variables).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  return environment;
}

/** Synthesizes the app (no bundling: only the template is read) and returns the template with its counterparts. */
export function synthesizeForSam(context: Record<string, string>): {
  readonly template: CloudFormationTemplate;
  readonly counterparts: Map<string, LocalCounterpart>;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'events-env-'));
  try {
    const app = new App({
      outdir,
      context: {
        // What the CDK CLI sets: the aws:cdk:path metadata that sam local reads.
        'aws:cdk:enable-path-metadata': true,
        'aws:cdk:enable-asset-metadata': true,
        // The template is enough: skip esbuild.
        'aws:cdk:bundling-stacks': [],
        ...context,
      },
    });
    const stack = addStripeWebhooks(app);
    const template = app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
    return { template, counterparts: localCounterpartsOf(stack) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** env.json as the generator makes it, for the emulator at `endpoint` (as the containers reach it). */
export function generateSamEnvironment(endpoint: string = containerEmulatorEndpoint): SamEnvironment {
  const { template, counterparts } = synthesizeForSam(allFeaturesContext(endpoint));
  return samEnvironmentOf(template, counterparts, endpoint);
}

/** The file's text: two-space JSON and a final newline, as the formatter leaves it. */
export function formatSamEnvironment(environment: SamEnvironment): string {
  return `${JSON.stringify(environment, null, 2)}\n`;
}

const usage = `Usage: npm run events:env [-- --endpoint URL] [--out FILE] [--check]

Writes events/env.json, the --env-vars file of sam local invoke, from the synthesized template (with every
optional feature on: billing state, reconciler, managed Stripe endpoint, EventBridge ingress, business
alerts) and the names npm start gives its resources in moto: every environment variable the template sets
from a resource (Ref, Fn::GetAtt, Fn::Join, Fn::Sub), for every function, and the plain ones that must point
at local things (AWS_ENDPOINT_URL, STRIPE_API_URL, SENDER_ADDRESS, STAGE, STRIPE_API_KEY_SECRET_ID,
DISPUTE_REMINDER_SCHEDULE_GROUP). Keys are the functions' logical ids.
Synthesis takes about 10 s; it needs no network and no AWS credentials.

Options:
  --endpoint URL   the emulator as the functions' containers reach it (default ${containerEmulatorEndpoint},
                   for MOTO_HOST=0.0.0.0 MOTO_PORT=5000 FAKE_STRIPE_HOST=0.0.0.0 npm start); STRIPE_API_URL
                   is the fake Stripe API on the same host, port ${localFakeStripeApiPort}
  --out FILE       where to write it (default events/env.json)
  --check          write nothing; exit 1 if the file differs from what would be written
  -h, --help       show this help`;

function main(argv: readonly string[]): number {
  if (wantsHelp(argv)) {
    console.log(usage);
    return 0;
  }
  const { values } = parseCommandLine(
    argv,
    { options: { endpoint: { type: 'string' }, out: { type: 'string' }, check: { type: 'boolean' } } },
    usage,
  );
  const endpoint = values.endpoint ?? containerEmulatorEndpoint;
  if (!/^https?:\/\/[^/]+$/.test(endpoint)) {
    throw new UsageError(`--endpoint ${JSON.stringify(endpoint)} must be http(s)://host:port, with no path.`);
  }
  const out = values.out ?? envJsonPath;
  const shown = relative(process.cwd(), out) || out;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log('Synthesizing the stack with every optional feature on (about 10 s)…');
  const started = Date.now();
  const environment = generateSamEnvironment(endpoint);
  const text = formatSamEnvironment(environment);
  const functions = Object.keys(environment).length;
  const variables = Object.values(environment).reduce((sum, entry) => sum + Object.keys(entry).length, 0);
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(out, 'utf8');
    } catch {
      // missing: differs
    }
    if (current === text) {
      log(`${shown} is up to date: ${functions} functions, ${variables} variables (${took}).`);
      return 0;
    }
    log(`${shown} differs from what the template gives: run npm run events:env to write it.`);
    return 1;
  }
  writeFileSync(out, text);
  log(`Wrote ${shown}: ${functions} functions, ${variables} variables (${took}).`);
  log(
    'Use it with: sam local invoke -t cdk.out/StripeWebhooks-dev.template.json <function> --env-vars events/env.json',
  );
  return 0;
}

if (require.main === module) runCommand(main);
