import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { envVarNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { UnknownBusinessAlertKindError } from '../../functions/alerts/alert-kinds';
import { defaultSyncDelaySeconds } from '../../functions/billing-state/sync-queue';
import { defaultFakeStripePort, defaultLocalPort, devSigningSecret } from './defaults';
import { defaultAlertClockScale, maxAlertClockScale } from './dispute-reminder-clock';
import { MotoNotInstalledError } from './moto';
import { MotoProvisioningError, PythonNotFoundError } from './moto-provisioning';
import { type LocalPipeline, startLocalPipeline } from './pipeline';
import { type LocalPipelineState, localPipelineStatePath } from './state';
import { loadSubscriptionsModule, SubscriptionsModuleError } from './subscriptions-module';

/** The local pipeline's settings as deployed: the retries' defaults. */
const defaultSettings = resolveSettings({ stage: 'local' });

/** Shows enough of a secret from the environment to recognise it, like a masked API key. */
function describeSecret(secret: string, fromEnvironment: boolean): string {
  if (!fromEnvironment) return `${secret}  (the public dev default; set STRIPE_WEBHOOK_SECRET to use another)`;
  return `${secret.slice(0, 6)}…${secret.slice(-4)}  (from STRIPE_WEBHOOK_SECRET)`;
}

const usage = `Usage: npm start [-- --subscriptions PATH] [--no-billing-state] [--no-business-alerts] [--alert-clock-scale N]
                 [--retry-delay SECONDS] [--max-attempts N]

Runs the whole pipeline on this machine: moto_server (SQS, DynamoDB, SES, S3, Secrets Manager), the real
receiver and consumer handlers, a fake Stripe API, and the console at http://127.0.0.1:${defaultLocalPort}/.
Listens on 127.0.0.1 only (MOTO_HOST and FAKE_STRIPE_HOST open moto and the fake Stripe API to
sam local invoke). Without moto_server on PATH, moto is installed once into .local/moto-venv
with python3 -m venv (shown as it goes) and reused on the next start. Ctrl+C stops everything.

Options:
  --subscriptions PATH   run a team's subscriptions module (what the construct's subscriptionsEntry names,
                         e.g. examples/custom-handlers/subscriptions.ts) instead of this project's
                         functions/subscriptions.ts; the receiver then queues the types it subscribes to.
                         Its handlers read their settings (FINANCE_ADDRESS, ...) from this environment.
  --no-billing-state     run without the billing state feature (on by default): no billing state table, no
                         sync queue or sync function, no Customers view; the receiver then queues only the
                         types the handlers subscribe to.
  --no-business-alerts   run without the business alerts (on by default): disputes, early fraud warnings,
                         failed payouts... are then acknowledged as ignored. On, each alert is recorded here
                         instead of sent (a terminal line, GET /_local/alerts, the console's Alerts view).
  --alert-clock-scale N  how many times faster than real time the dispute deadline reminders come (default
                         ${defaultAlertClockScale}, real time). 3600 makes an hour pass in a second, 72 h in 72 s: the reminder of
                         npm run trigger -- charge.dispute.created (due in 7 days, reminded 72 h before)
                         comes after 96 s with npm start -- --alert-clock-scale 3600
  --retry-delay SECONDS  seconds before a failed event is delivered to the consumer again: the queue's
                         visibility timeout (default ${defaultSettings.visibilityTimeoutSeconds}, as deployed: 6 × the consumer's timeout)
  --max-attempts N       deliveries of an event before it moves to the dead-letter queue (default
                         ${defaultSettings.maxReceiveCount}, as deployed). To see the dead-letter path in a minute:
                         npm start -- --retry-delay 5 --max-attempts 2
  -h, --help             show this help

Environment variables:
  SUBSCRIPTIONS          the same as --subscriptions
  BILLING_STATE          off: the same as --no-billing-state
  BUSINESS_ALERTS        off: the same as --no-business-alerts
  BUSINESS_ALERTS_OFF    alert kinds switched off, comma-separated (e.g. payout_failed,account_requirements)
  ALERT_CLOCK_SCALE      the same as --alert-clock-scale
  RETRY_DELAY_SECONDS    the same as --retry-delay
  MAX_ATTEMPTS           the same as --max-attempts
  BILLING_SYNC_DELAY_SECONDS
                         seconds a billing sync request waits on the sync queue (default ${defaultSyncDelaySeconds})
  BILLING_SYNC_OFF_TYPES event types the billing sync does not sync from, comma-separated
  PORT                   port of the webhook endpoint and the console (default ${defaultLocalPort})
  FAKE_STRIPE_PORT       port of the fake Stripe API (default ${defaultFakeStripePort})
  FAKE_STRIPE_HOST       interface that the fake Stripe API listens on (default 127.0.0.1; 0.0.0.0 lets
                         sam local invoke's containers reach it, as MOTO_HOST=0.0.0.0 does moto)
  MOTO_PORT              port for the moto_server it starts (default: a free one)
  MOTO_HOST              interface that moto_server listens on (default 127.0.0.1)
  MOTO_VENV              where moto is installed when moto_server is not on PATH (default .local/moto-venv)
  AWS_ENDPOINT_URL       use an emulator that is already running (moto, LocalStack) instead of starting one
  STRIPE_WEBHOOK_SECRET  signing secret(s) the receiver accepts, comma-separated (default: the public dev secret)
  POWERTOOLS_LOG_LEVEL   show the handlers' JSON logs too, e.g. INFO (default SILENT)`;

interface StartArguments {
  readonly subscriptions: string | undefined;
  readonly noBillingState: boolean;
  readonly noBusinessAlerts: boolean;
  readonly alertClockScale: string | undefined;
  readonly retryDelay: string | undefined;
  readonly maxAttempts: string | undefined;
}

/** The options that take a value, each as `--name VALUE` or `--name=VALUE`, and what the value is. */
const valueOptions = {
  '--subscriptions': 'the path of a subscriptions module',
  '--retry-delay': 'a number of seconds',
  '--max-attempts': 'a number of attempts',
  '--alert-clock-scale': 'a clock scale, e.g. 3600',
} as const;

/** The command line's options; any other option, or one without its value, is refused (exit 2) with the usage. */
function parseArguments(args: readonly string[]): StartArguments {
  const values: Partial<Record<keyof typeof valueOptions, string>> = {};
  let noBillingState = false;
  let noBusinessAlerts = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const name = Object.keys(valueOptions).find((option) => arg === option || arg.startsWith(`${option}=`)) as
      | keyof typeof valueOptions
      | undefined;
    if (name !== undefined) {
      const value = arg === name ? args[++i] : arg.slice(name.length + 1);
      if (value === undefined || value.startsWith('--')) {
        throw new StartUsageError(`${name} takes ${valueOptions[name]}.\n\n${usage}`);
      }
      values[name] = value;
    } else if (arg === '--no-billing-state') {
      noBillingState = true;
    } else if (arg === '--no-business-alerts') {
      noBusinessAlerts = true;
    } else {
      throw new StartUsageError(`Unknown option ${JSON.stringify(arg)}.\n\n${usage}`);
    }
  }
  return {
    subscriptions: values['--subscriptions'],
    noBillingState,
    noBusinessAlerts,
    alertClockScale: values['--alert-clock-scale'],
    retryDelay: values['--retry-delay'],
    maxAttempts: values['--max-attempts'],
  };
}

/** A whole number from `min` to `max` given as `source` (an option or an environment variable), else a usage error. */
function wholeNumber(source: string, value: string, min: number, max: number): number {
  const parsed = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const given = source.endsWith('=') ? `${source}${value}` : `${source} ${JSON.stringify(value)}`;
    throw new StartUsageError(`${given} is not a whole number from ${min} to ${max}.`);
  }
  return parsed;
}

/** The retries: --retry-delay and --max-attempts, else RETRY_DELAY_SECONDS and MAX_ATTEMPTS, else as deployed. */
function retries(args: StartArguments): { retryDelaySeconds: number; maxAttempts: number } {
  const delay = args.retryDelay ?? (process.env.RETRY_DELAY_SECONDS?.trim() || undefined);
  const attempts = args.maxAttempts ?? (process.env.MAX_ATTEMPTS?.trim() || undefined);
  return {
    // SQS takes a visibility timeout of 0 to 12 hours.
    retryDelaySeconds:
      delay === undefined
        ? defaultSettings.visibilityTimeoutSeconds
        : wholeNumber(args.retryDelay === undefined ? 'RETRY_DELAY_SECONDS=' : '--retry-delay', delay, 0, 43_200),
    // The same bounds as the construct's maxReceiveCount.
    maxAttempts:
      attempts === undefined
        ? defaultSettings.maxReceiveCount
        : wholeNumber(args.maxAttempts === undefined ? 'MAX_ATTEMPTS=' : '--max-attempts', attempts, 1, 1000),
  };
}

/** A command line or environment variable to fix: its message alone, and exit 2. */
class StartUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartUsageError';
  }
}

/** `BILLING_STATE=off` (or `false`, `0`) turns the feature off; unset, `on`, `true` or `1` keep it on. */
function billingStateFromEnvironment(value: string | undefined): boolean {
  const setting = (value ?? '').trim().toLowerCase();
  if (setting === '' || setting === 'on' || setting === 'true' || setting === '1') return true;
  if (setting === 'off' || setting === 'false' || setting === '0') return false;
  throw new StartUsageError(
    `BILLING_STATE=${value} is neither on nor off: BILLING_STATE=off (or --no-billing-state) runs without the billing state.`,
  );
}

/** `BUSINESS_ALERTS=off` (or `false`, `0`) turns the alerts off; unset, `on`, `true` or `1` keep them on. */
function businessAlertsFromEnvironment(value: string | undefined): boolean {
  const setting = (value ?? '').trim().toLowerCase();
  if (setting === '' || setting === 'on' || setting === 'true' || setting === '1') return true;
  if (setting === 'off' || setting === 'false' || setting === '0') return false;
  throw new StartUsageError(
    `BUSINESS_ALERTS=${value} is neither on nor off: BUSINESS_ALERTS=off (or --no-business-alerts) runs without the business alerts.`,
  );
}

/** The reminders' clock: --alert-clock-scale, else ALERT_CLOCK_SCALE, else real time. */
function alertClockScaleOf(args: StartArguments): number {
  const scale = args.alertClockScale ?? (process.env.ALERT_CLOCK_SCALE?.trim() || undefined);
  if (scale === undefined) return defaultAlertClockScale;
  const source = args.alertClockScale === undefined ? 'ALERT_CLOCK_SCALE=' : '--alert-clock-scale';
  return wholeNumber(source, scale, 1, maxAlertClockScale);
}

/** The banner's line on the business alerts: where they are, the reminders' clock, or how to turn them back on. */
function describeBusinessAlerts(pipeline: LocalPipeline, alertClockScale: number): string {
  if (!pipeline.disputeReminders) return 'Business alerts: off (--no-business-alerts or BUSINESS_ALERTS=off)';
  const clock =
    alertClockScale === 1
      ? 'in real time (--alert-clock-scale 3600: 72 h in 72 s)'
      : `${alertClockScale} times faster than real time (72 h in ${describeSeconds((72 * 3600) / alertClockScale)})`;
  return (
    `Business alerts: recorded here, not sent; dispute reminders ${clock}\n` +
    `Alerts: ${pipeline.url}/#/alerts   GET ${pipeline.url}/_local/alerts  (try: npm run trigger -- charge.dispute.created)`
  );
}

function describeSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

/** The banner's line on the billing state feature: where the customers are, or how to turn it back on. */
function describeBillingState(pipeline: LocalPipeline): string {
  const billing = pipeline.resources.billingState;
  if (!billing) return 'Billing state: off (--no-billing-state or BILLING_STATE=off)';
  return (
    `Billing state: table ${billing.tableName}, synced up to ${process.env[envVarNames.billingSyncDelaySeconds] ?? defaultSyncDelaySeconds} s after an event through queue ${billing.syncQueueUrl.split('/').pop()}\n` +
    `Customers: ${pipeline.url}/#/customers   GET ${pipeline.url}/_local/customers  (--no-billing-state to turn off)`
  );
}

/** How to change the retries, or that they were changed (the deployed stack keeps its defaults). */
function describeRetryOptions(retryDelaySeconds: number, maxAttempts: number): string {
  const asDeployed =
    retryDelaySeconds === defaultSettings.visibilityTimeoutSeconds && maxAttempts === defaultSettings.maxReceiveCount;
  return asDeployed
    ? '  (as deployed; --retry-delay 5 --max-attempts 2 to try the dead-letter path in a minute)'
    : `  (deployed: ${defaultSettings.maxReceiveCount} attempts, ${defaultSettings.visibilityTimeoutSeconds} s apart)`;
}

async function main(): Promise<void> {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(usage);
    return;
  }
  const args = parseArguments(process.argv.slice(2));
  const { retryDelaySeconds, maxAttempts } = retries(args);
  const subscriptionsPath = args.subscriptions ?? (process.env.SUBSCRIPTIONS?.trim() || undefined);
  const billingState = !args.noBillingState && billingStateFromEnvironment(process.env.BILLING_STATE);
  const businessAlerts = !args.noBusinessAlerts && businessAlertsFromEnvironment(process.env.BUSINESS_ALERTS);
  const alertClockScale = alertClockScaleOf(args);
  const subscriptions = subscriptionsPath === undefined ? undefined : await loadSubscriptionsModule(subscriptionsPath);
  const fromEnvironment = Boolean(process.env.STRIPE_WEBHOOK_SECRET?.trim());
  const signingSecret = fromEnvironment ? (process.env.STRIPE_WEBHOOK_SECRET ?? '').trim() : devSigningSecret;
  const port = process.env.PORT ? Number(process.env.PORT) : defaultLocalPort;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new StartUsageError(`PORT=${process.env.PORT} is not a TCP port number.`);
  }
  const motoPort = process.env.MOTO_PORT ? Number(process.env.MOTO_PORT) : undefined;
  const print = (line: string) => console.log(line);
  console.log('Starting the local pipeline (moto_server emulates SQS, DynamoDB, SES, S3 and Secrets Manager)…');
  const pipeline = await startLocalPipeline({
    port,
    signingSecret,
    emulatorEndpoint: process.env.AWS_ENDPOINT_URL?.trim() || undefined,
    motoPort,
    motoHost: process.env.MOTO_HOST?.trim() || undefined,
    stripeApiPort: process.env.FAKE_STRIPE_PORT ? Number(process.env.FAKE_STRIPE_PORT) : defaultFakeStripePort,
    stripeApiHost: process.env.FAKE_STRIPE_HOST?.trim() || undefined,
    print,
    billingState,
    businessAlerts,
    alertClockScale,
    settings: resolveSettings({ stage: 'local', maxReceiveCount: maxAttempts }),
    visibilityTimeoutSeconds: retryDelaySeconds,
    ...(subscriptions ? { subscriptions } : {}),
  });
  const { settings, resources } = pipeline;
  const state: LocalPipelineState = {
    emulatorEndpoint: pipeline.emulatorEndpoint,
    webhookUrl: pipeline.webhookUrl,
    pid: process.pid,
    stripeApiUrl: pipeline.stripeApiUrl,
    queueUrl: resources.queueUrl,
    tableName: resources.tableName,
    subscribedTypes: pipeline.subscribedTypes,
    ...(resources.billingState ? { billingStateTableName: resources.billingState.tableName } : {}),
    retryDelaySeconds,
    maxAttempts: settings.maxReceiveCount,
  };
  mkdirSync(dirname(localPipelineStatePath), { recursive: true });
  writeFileSync(localPipelineStatePath, `${JSON.stringify(state, null, 2)}\n`);
  console.log(`
Ready! Webhook endpoint: POST ${pipeline.webhookUrl}
Console: ${pipeline.url}/  (events, deliveries, emails, dead letters, suppressions, ${resources.billingState ? 'customers, ' : ''}${pipeline.disputeReminders ? 'alerts, ' : ''}trigger any event type)
Signing secret: ${describeSecret(signingSecret, fromEnvironment)}
Emulator: ${pipeline.emulatorEndpoint}  queue ${resources.queueUrl.split('/').pop()}  table ${resources.tableName}
Handlers: ${subscriptionsPath ?? 'functions/subscriptions.ts (the built-in emails)'}
Retries: ${settings.maxReceiveCount} attempts, ${retryDelaySeconds} s apart, then the dead-letter queue${describeRetryOptions(retryDelaySeconds, settings.maxReceiveCount)}
Sent emails: GET ${pipeline.url}/_local/emails   Events: GET ${pipeline.url}/_local/events   Deliveries: GET ${pipeline.url}/_local/deliveries
${describeBillingState(pipeline)}
${describeBusinessAlerts(pipeline, alertClockScale)}
Fake Stripe API: ${pipeline.stripeApiUrl}  (customers of the events you post; FAKE_STRIPE_PORT to move it)

Send a test event:   npm run trigger -- invoice.paid
Or with the Stripe CLI (use its secret):  STRIPE_WEBHOOK_SECRET=whsec_... npm start
                                          stripe listen --forward-to localhost:${port}/webhook
Press Ctrl+C to stop.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    rmSync(localPipelineStatePath, { force: true });
    await pipeline.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (
    error instanceof MotoNotInstalledError ||
    error instanceof PythonNotFoundError ||
    error instanceof MotoProvisioningError ||
    error instanceof SubscriptionsModuleError
  ) {
    console.error(error.message);
  } else if (error instanceof StartUsageError) {
    console.error(error.message);
    process.exit(2);
  } else if (error instanceof UnknownBusinessAlertKindError) {
    console.error(`BUSINESS_ALERTS_OFF: ${error.message}`);
    process.exit(2);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `Port ${process.env.PORT ?? defaultLocalPort} or ${process.env.FAKE_STRIPE_PORT ?? defaultFakeStripePort} is already in use (another \`npm start\`?). Stop it, or choose other ports: PORT=4343 FAKE_STRIPE_PORT=12112 npm start`,
    );
  } else {
    console.error(error);
  }
  process.exit(1);
});
