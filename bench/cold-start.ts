/**
 * Part 2: bundle size and module-init time of the real receiver and of the stripe-sample receiver,
 * both built with the Lambda bundle options, each required by a fresh `node` process.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { envVarNames } from '../config/contract';
import { kib, markdownTable, num, ratio, verdict } from '../tools/measure/format';
import { median, summarize } from '../tools/measure/timing';
import { benchSigningSecret } from './events';

/** Goal of issue 3: ours costs at most this share of the sample's init time above bare node. */
export const initShareGoal = 0.5;

const initRuns = 30;
const topInputs = 8;
const repoRoot = path.resolve(__dirname, '..');

/** The options lib/pipeline-function.ts gives NodejsFunction, as esbuild options. */
export const lambdaBuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  external: [],
} as const satisfies BuildOptions;

// Nothing here can reach AWS: the endpoint is a closed local port, the credentials are dummies (so
// the SDK never asks the instance metadata service for real ones) and no config file is read.
const unreachableEndpoint = 'http://127.0.0.1:9';

type FunctionSetting = keyof typeof envVarNames;

// Every variable the stack gives the functions, so that the handler can be imported whatever it reads.
const functionEnvironment: Record<FunctionSetting, string> = {
  queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-events',
  deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-events-dead-letter',
  maxReceiveCount: '5',
  signingSecretId: 'stripe-webhooks/bench/signing-secret',
  idempotencyTableName: 'bench-idempotency',
  senderAddress: 'receipts@example.org',
  stage: 'bench',
  idempotencyRetentionDays: '30',
  largeEventBucketName: 'bench-large-events',
  stripeIpAllowlist: 'false',
  emailSendIntervalMs: '500',
  acceptedLivemode: 'any',
  consumerTimeoutSeconds: '30',
  subscribedEventTypes: 'checkout.session.completed,invoice.paid',
  emailBusinessName: 'Bench Shop',
  emailSupportAddress: 'support@example.org',
  emailLogoUrl: '',
  emailDefaultLocale: 'en',
  sesConfigurationSetName: 'bench-emails',
  suppressionTableName: 'bench-suppression',
  stripeApiKeySecretId: 'stripe-webhooks/bench/stripe-api-key',
  stripeApiUrl: unreachableEndpoint,
  stripeApiRatePerSecond: '25',
  connectedAccountEmails: '',
  // The billing state feature off: the cold start measured is the pipeline's own.
  billingStateTableName: '',
  billingSyncQueueUrl: '',
  billingSyncDelaySeconds: '',
  billingStatePastDueAccess: '',
  billingSyncOffTypes: '',
  // The business alerts off too.
  alertTopicArn: '',
  alertWebhookSecretId: '',
  businessAlertsOff: '',
  disputeReminderFunctionArn: '',
  disputeReminderRoleArn: '',
  disputeReminderScheduleGroup: '',
  disputeReminderLeadHours: '',
};

export function childEnvironment(scratchDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: unreachableEndpoint,
    AWS_ACCESS_KEY_ID: 'bench-dummy',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(scratchDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratchDir, 'no-aws-credentials'),
    // Lambda runs Node.js 24, where the SDK has no "upgrade your Node.js" warning to print at init.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...Object.fromEntries(
      Object.entries(envVarNames).map(([key, name]) => [name, functionEnvironment[key as FunctionSetting]]),
    ),
    STRIPE_WEBHOOK_SECRET: benchSigningSecret,
  };
}

export interface BundleSubject {
  readonly name: string;
  /** Entry point, relative to the repository root. */
  readonly entry: string;
}

export type Role = 'ours' | 'sample' | 'floor';

const subjects: Record<Role, BundleSubject> = {
  ours: { name: 'receiver', entry: 'functions/receiver/handler.ts' },
  sample: { name: 'stripe sample', entry: 'bench/sample-receiver.ts' },
  floor: { name: 'SQS client only', entry: 'bench/sqs-floor.ts' },
};
const roles = Object.keys(subjects) as Role[];

/** Another way to reach SQS and the secret, timed beside the receivers (issue 13). */
export interface Alternative extends BundleSubject {
  /** What it is, for the table. */
  readonly label: string;
  /** Whether it can hold receiverAwsCallPolicy (attempts, per-attempt and connection timeouts, abort at the deadline). */
  readonly policy: string;
  /** Code run after require() whose promise is awaited before the process is done (the lazy variant's first-request load). */
  readonly thenAwait?: string;
}

const variantDir = 'bench/cold-start-variants';
export const alternatives: readonly Alternative[] = [
  {
    name: 'SDK v3 SQS + Secrets Manager',
    label: 'AWS SDK v3 clients at init (today)',
    entry: `${variantDir}/sdk-v3.ts`,
    policy: 'yes (maxAttempts, requestHandler timeouts, abortSignal)',
  },
  {
    name: 'SDK v3, lazy (init only)',
    label: 'SDK v3 loaded on the first request: init alone',
    entry: `${variantDir}/sdk-v3-lazy.ts`,
    policy: 'yes',
  },
  {
    name: 'SDK v3, lazy (init + first load)',
    label: 'SDK v3 loaded on the first request: init + that load',
    entry: `${variantDir}/sdk-v3-lazy.ts`,
    policy: 'yes',
    thenAwait: 'loadClients()',
  },
  {
    name: '@aws-lite/client + sqs',
    label: '@aws-lite/client 0.24 with @aws-lite/sqs',
    entry: `${variantDir}/aws-lite.ts`,
    policy: 'no: retries only; no request or connection timeout, no abort signal',
  },
  {
    name: 'aws4 + node:https',
    label: 'aws4 SigV4 over node:https, keep-alive, JSON protocol',
    entry: `${variantDir}/aws4-https.ts`,
    policy: 'yes, in our code (functions/shared/aws-json-client.ts)',
  },
  {
    name: 'aws4 + secrets extension',
    label: 'aws4 for SQS; secret from the Parameters and Secrets Extension',
    entry: `${variantDir}/extension-secret.ts`,
    policy: 'SQS yes; the extension has its own timeouts and cache (+ a layer process at init)',
  },
];

export interface BundleResult {
  readonly subject: BundleSubject;
  readonly file: string;
  readonly bytes: number;
  /** Bytes in the output per npm package (the repository's own code as one entry), largest first. */
  readonly packages: readonly PackageBytes[];
}

interface PackageBytes {
  readonly name: string;
  readonly bytes: number;
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
  return match?.[1] ?? '(this repository)';
}

async function buildBundle(subject: BundleSubject, outDir: string): Promise<BundleResult> {
  const file = path.join(outDir, `${path.basename(subject.entry, '.ts')}.js`);
  const result = await build({
    ...lambdaBuildOptions,
    entryPoints: [path.join(repoRoot, subject.entry)],
    outfile: file,
    absWorkingDir: repoRoot,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  if (output === undefined) throw new Error(`esbuild wrote no output for ${subject.entry}`);
  const packages = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    packages.set(packageOf(input), (packages.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return {
    subject,
    file,
    bytes: output.bytes,
    packages: [...packages].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

/** Runs `node -e script` and returns its wall time in ms and its stdout; throws if it fails. */
function runNode(script: string, env: NodeJS.ProcessEnv): { wallMs: number; stdout: string } {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 20_000 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) {
    throw new Error(
      `node -e ${JSON.stringify(script.slice(0, 80))} failed (${child.status ?? child.signal}): ${child.stderr}`,
    );
  }
  return { wallMs, stdout: child.stdout };
}

// Also times require() inside the child: the same cost without process start-up and its noise.
function requireScript(file: string, thenAwait?: string): string {
  if (thenAwait === undefined) {
    return `const s=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(process.hrtime.bigint()-s))`;
  }
  return `const s=process.hrtime.bigint();const m=require(${JSON.stringify(file)});Promise.resolve(m.${thenAwait}).then(()=>process.stdout.write(String(process.hrtime.bigint()-s)))`;
}

/**
 * A script that records every TCP connection the code starts (http, https and fetch all open
 * theirs through net.Socket#connect), waits for asynchronous init work, and prints what it saw and
 * whether the module exports a `handler` function.
 */
function networkProbeScript(code: string): string {
  return `const net = require('node:net');
const seen = [];
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  seen.push(typeof first === 'object' && first !== null ? first.path ?? (first.host ?? 'localhost') + ':' + first.port : String(first));
  return connect.apply(this, args);
};
let handler = 'not loaded';
process.on('exit', () => process.stdout.write(JSON.stringify({ seen, handler })));
process.on('unhandledRejection', () => {});
${code}
setTimeout(() => {}, 500);`;
}

interface ProbeResult {
  readonly seen: string[];
  readonly handler: string;
}

function probe(code: string, env: NodeJS.ProcessEnv): ProbeResult {
  return JSON.parse(runNode(networkProbeScript(code), env).stdout) as ProbeResult;
}

export interface InitTiming {
  readonly name: string;
  /** Median wall time of the process, spawn to exit. */
  readonly wallMs: number;
  /** Half the interquartile range of the wall times, relative to the median. */
  readonly wallSpread: number;
  readonly minWallMs: number;
  /** Median time of the require() call alone, measured inside the process. */
  readonly requireMs: number | undefined;
  /** Connections the module started at init (host:port); empty for bare node. */
  readonly network: readonly string[];
}

export interface ColdStartResult {
  readonly runs: number;
  readonly bare: InitTiming;
  readonly bundles: Record<Role, { readonly bundle: BundleResult; readonly init: InitTiming }>;
  readonly alternatives: readonly {
    readonly alternative: Alternative;
    readonly bytes: number;
    readonly init: InitTiming;
  }[];
}

/** Builds the bundles into `scratchDir` and times requiring each in fresh processes. */
export async function measureColdStart(scratchDir: string): Promise<ColdStartResult> {
  const env = childEnvironment(scratchDir);
  const bundles = new Map<Role, BundleResult>();
  for (const role of roles) bundles.set(role, await buildBundle(subjects[role], scratchDir));
  const alternativeBundles: BundleResult[] = [];
  for (const alternative of alternatives) alternativeBundles.push(await buildBundle(alternative, scratchDir));
  const bundleOf = (role: Role): BundleResult => {
    const bundle = bundles.get(role);
    if (bundle === undefined) throw new Error(`no ${role} bundle`);
    return bundle;
  };

  // A positive control first: the probe must see a connection that is certainly made.
  const control = probe(`require('node:http').get('${unreachableEndpoint}/').on('error', () => {});`, env);
  if (control.seen.length === 0) {
    throw new Error('The network probe missed a known connection; its findings would mean nothing');
  }
  const network = new Map<Role, readonly string[]>();
  for (const role of roles) {
    const { file, subject } = bundleOf(role);
    const found = probe(`handler = typeof require(${JSON.stringify(file)}).handler;`, env);
    if (found.handler !== 'function') throw new Error(`${subject.entry} does not export a handler function`);
    network.set(role, found.seen);
  }
  const alternativeNetwork = alternativeBundles.map(({ file, subject }) => {
    const found = probe(`handler = typeof require(${JSON.stringify(file)}).handler;`, env);
    if (found.handler !== 'function') throw new Error(`${subject.entry} does not export a handler function`);
    return found.seen;
  });

  const variants = [
    { name: 'bare: node -e ""', script: '' },
    ...roles.map((role) => ({ name: `${role}: ${subjects[role].name}`, script: requireScript(bundleOf(role).file) })),
    ...alternatives.map((alternative, i) => ({
      name: alternative.name,
      script: requireScript(alternativeBundles[i]?.file ?? '', alternative.thenAwait),
    })),
  ];
  const wall = variants.map((): number[] => []);
  const inside = variants.map((): number[] => []);
  runNode('', env); // Warms the file system cache for node itself.
  // Interleaved, with the order rotated each round, so that background load hits every variant alike.
  for (let round = 0; round < initRuns; round++) {
    for (let i = 0; i < variants.length; i++) {
      const index = (round + i) % variants.length;
      const { wallMs, stdout } = runNode(variants[index]?.script ?? '', env);
      wall[index]?.push(wallMs);
      if (stdout !== '') inside[index]?.push(Number(stdout) / 1e6);
    }
  }
  const timing = (index: number, netUse: readonly string[]): InitTiming => ({
    name: variants[index]?.name ?? '',
    wallMs: median(wall[index] ?? []),
    wallSpread: summarize(wall[index] ?? []).spread,
    minWallMs: Math.min(...(wall[index] ?? [])),
    requireMs: inside[index]?.length ? median(inside[index] ?? []) : undefined,
    network: netUse,
  });
  const entries = roles.map((role, i) => [
    role,
    { bundle: bundleOf(role), init: timing(i + 1, network.get(role) ?? []) },
  ]);
  return {
    runs: initRuns,
    bare: timing(0, []),
    bundles: Object.fromEntries(entries) as ColdStartResult['bundles'],
    alternatives: alternatives.map((alternative, i) => ({
      alternative,
      bytes: alternativeBundles[i]?.bytes ?? 0,
      init: timing(1 + roles.length + i, alternativeNetwork[i] ?? []),
    })),
  };
}

/** Packages of `bundle` by how many more bytes they put in it than in `base`, largest first. */
function extraPackages(bundle: BundleResult, base: BundleResult): PackageBytes[] {
  const baseBytes = new Map(base.packages.map((p) => [p.name, p.bytes]));
  return bundle.packages
    .map((p) => ({ name: p.name, bytes: p.bytes - (baseBytes.get(p.name) ?? 0) }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

const floorNote =
  'floor = a module that only creates an SDK v3 SQS client, as the sample does (ours no longer bundles the SDK)';

export function renderColdStart(result: ColdStartResult): string {
  const { bare, bundles } = result;
  const { ours, sample, floor } = bundles;
  const above = (init: InitTiming) => init.wallMs - bare.wallMs;
  const out: string[] = ['## 2. Bundle size and module init', ''];
  out.push(
    `- esbuild ${Object.entries(lambdaBuildOptions)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(' ')}, as lib/pipeline-function.ts; ${floorNote}`,
    '',
    markdownTable(
      ['bundle', 'entry', 'bytes', 'KiB'],
      roles.map((role) => [
        `${role}: ${bundles[role].bundle.subject.name}`,
        bundles[role].bundle.subject.entry,
        num(bundles[role].bundle.bytes, 0),
        kib(bundles[role].bundle.bytes),
      ]),
      ['left', 'left'],
    ),
    '',
    `Ours is ${ratio(ours.bundle.bytes / sample.bundle.bytes)} the sample's size.`,
    '',
    `- module init: \`node -e "require(bundle)"\`, ${result.runs} processes each, interleaved with bare \`node -e ""\`; ` +
      'wall time around spawnSync (± is half the interquartile range); "require() in-process" is timed inside the child',
    `- env: AWS_REGION=us-east-1, AWS_ENDPOINT_URL=${unreachableEndpoint} (closed port), dummy credentials, ` +
      `IMDS disabled, no AWS config files, the SDK's Node.js 20 warning off (Lambda runs 24), the functions' variables (${Object.values(envVarNames).join(', ')}) and ` +
      'STRIPE_WEBHOOK_SECRET, all bench-only values; "network at init" comes from a separate run that records every connection started',
    '',
    markdownTable(
      [
        'process',
        'wall ms (median)',
        'wall ms (min)',
        '× bare node',
        'ms above bare',
        'require() in-process ms',
        'network at init',
      ],
      [bare, ours.init, sample.init, floor.init].map((init) => [
        init.name,
        `${num(init.wallMs)} ±${num(init.wallSpread * 100, 0)}%`,
        num(init.minWallMs),
        ratio(init.wallMs / bare.wallMs),
        init === bare ? '—' : num(above(init)),
        init.requireMs === undefined ? '—' : num(init.requireMs),
        init === bare ? '—' : init.network.length === 0 ? 'none' : init.network.join(', '),
      ]),
    ),
  );
  const share = above(ours.init) / above(sample.init);
  out.push(
    '',
    `Init above bare node: ours ${num(above(ours.init))} ms vs sample ${num(above(sample.init))} ms → ours / sample = ` +
      `${ratio(share)} (goal ≤ ${initShareGoal}×: ${verdict(share <= initShareGoal)}).`,
  );
  if ([ours, sample, floor].some(({ init }) => init.network.length > 0)) {
    out.push(
      `**Warning:** a module opened connections at init (to the closed ${unreachableEndpoint}); its time includes the ` +
        'failed attempts and is not what Lambda would see.',
    );
  }

  out.push(
    '',
    '### Clients for SQS and the secret, side by side (each bundle holds only them and a handler)',
    '',
    `Timed in the same interleaved runs as above; ratio = init above bare node / the sample's (${num(above(sample.init))} ms).`,
    '',
    markdownTable(
      [
        'client',
        'KiB',
        'wall ms (median)',
        'ms above bare',
        'require() ms',
        '/ sample',
        'receiverAwsCallPolicy',
        'network',
      ],
      result.alternatives.map(({ alternative, bytes, init }) => [
        alternative.label,
        kib(bytes),
        `${num(init.wallMs)} ±${num(init.wallSpread * 100, 0)}%`,
        num(above(init)),
        init.requireMs === undefined ? '—' : num(init.requireMs),
        ratio(above(init) / above(sample.init)),
        alternative.policy,
        init.network.length === 0 ? 'none' : init.network.join(', '),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
    ),
  );

  out.push('', `### What is in each bundle (top ${topInputs} inputs, grouped by npm package, KiB in the output)`, '');
  const top = (bundle: BundleResult, rank: number) => {
    const entry = bundle.packages[rank];
    return entry ? [entry.name, kib(entry.bytes)] : ['', ''];
  };
  out.push(
    markdownTable(
      ['ours', 'KiB', 'sample', 'KiB'],
      Array.from({ length: topInputs }, (_, rank) => [...top(ours.bundle, rank), ...top(sample.bundle, rank)]),
      ['left', 'right', 'left', 'right'],
    ),
  );
  if (share > initShareGoal) {
    const extra = extraPackages(ours.bundle, floor.bundle);
    out.push(
      '',
      '**Goal missed: what holds it back.**',
      `- The SQS client alone costs ${num(above(floor.init))} ms above bare node (${kib(floor.bundle.bytes)} KiB): any ` +
        `receiver that bundles it pays that, so the best ours / sample it can reach is ${ratio(above(floor.init) / above(sample.init))}.`,
      `- Ours adds ${num(above(ours.init) - above(floor.init))} ms and ${kib(ours.bundle.bytes - floor.bundle.bytes)} KiB on ` +
        `top of that floor; the sample adds ${num(above(sample.init) - above(floor.init))} ms (stripe). Ours' extra bytes: ${extra
          .slice(0, topInputs)
          .map((p) => `${p.name} ${kib(p.bytes)} KiB`)
          .join(', ')}.`,
    );
  }
  return out.join('\n');
}
