/**
 * `npm run trigger`: builds a realistic Stripe event, signs it the way Stripe does and POSTs it to
 * the webhook endpoint (by default the local pipeline of `npm start`). The logic lives here, apart
 * from the `tools/trigger.ts` entry point, so tests can run it against their own server.
 */
import { parseArgs } from 'node:util';
import { webhookPath } from '../config/contract';
import { applyOverrides, type BuiltEvent, buildAnyEvent, eventKindOf, triggerableEventTypes } from './event-catalogue';
import { defaultLocalPort, devSigningSecret } from './local/defaults';
import type { LocalPipelineState } from './local/state';
import { signedDelivery } from './signed-delivery';
import { defaultAmount, defaultCurrency, defaultCustomerEmail, InvalidEventOptionError } from './stripe-events';

export interface TriggerIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * The running `npm start`, whose webhook URL is the default when neither --url nor PORT is given
   * (the entry point reads `.local/pipeline.json`). @default none: the default port
   */
  readonly localPipeline?: () => Pick<LocalPipelineState, 'webhookUrl'> | undefined;
}

export interface TriggerResult {
  /** 0: delivered and answered 2xx; 1: not delivered or not 2xx; 2: bad command line. */
  readonly exitCode: 0 | 1 | 2;
  /** What was POSTed, once the request was made. */
  readonly sent?: {
    readonly url: string;
    readonly event: BuiltEvent['event'];
    readonly body: string;
    readonly signature: string;
    readonly status?: number;
  };
}

const requestTimeoutMs = 10_000;

/** Where to POST without --url: PORT on 127.0.0.1 if set, else the running `npm start`'s endpoint, else the default port. */
export function defaultTriggerUrl(
  env: Readonly<Record<string, string | undefined>>,
  localPipeline?: Pick<LocalPipelineState, 'webhookUrl'>,
): string {
  if (env.PORT === undefined && localPipeline !== undefined) return localPipeline.webhookUrl;
  return `http://127.0.0.1:${env.PORT ?? defaultLocalPort}${webhookPath}`;
}

export function triggerUsage(env: Readonly<Record<string, string | undefined>> = {}): string {
  return [
    'Usage: npm run trigger -- <event-type> [--url URL] [--secret SECRET] [--amount N] [--currency CODE] [--email ADDRESS] [--override PATH=VALUE]... [--via eventbridge]',
    '       npm run trigger -- --list',
    '',
    'Builds a realistic test event from Stripe’s example objects, signs it like Stripe does and POSTs it.',
    `Any of the ${triggerableEventTypes.length} types of the pinned stripe package whose object Stripe has an example of,`,
    'snapshot (invoice.paid) or thin (v1.billing.meter.error_report_triggered); --list prints them.',
    '',
    'Options:',
    "  --url URL        where to POST (default: the running `npm start`'s endpoint, from .local/pipeline.json;",
    `                   with PORT set, or no npm start running, ${defaultTriggerUrl(env)})`,
    '  --secret SECRET  webhook signing secret (default $STRIPE_WEBHOOK_SECRET, else the local dev secret)',
    `  --amount N       amount in the currency's minor unit, e.g. 2000 = USD 20.00 (default ${defaultAmount})`,
    `  --currency CODE  three-letter currency code (default ${defaultCurrency})`,
    `  --email ADDRESS  customer email address (default ${defaultCustomerEmail})`,
    '  --override PATH=VALUE  set any field of the event, e.g. data.object.amount_paid=1500 (VALUE as JSON, else a string; repeatable)',
    '  --list           print every event type it can build, one per line',
    '  --via eventbridge  deliver it as Amazon EventBridge would: the envelope, unsigned, to /_local/eventbridge of npm start',
    '  -h, --help       show this help',
  ].join('\n');
}

function hasCode(value: unknown, code: string): boolean {
  return typeof value === 'object' && value !== null && (value as { code?: unknown }).code === code;
}

// fetch wraps socket errors in `cause`, and for `localhost` in an AggregateError (one per address).
function isConnectionRefused(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  if (hasCode(error, 'ECONNREFUSED')) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isConnectionRefused(inner, depth + 1)))
    return true;
  return isConnectionRefused((error as { cause?: unknown }).cause, depth + 1);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function describeFailure(error: unknown, url: string): string {
  if (isConnectionRefused(error)) return `Nothing is listening at ${url} — start the local pipeline with \`npm start\``;
  if (isTimeout(error)) return `No answer from ${url} within ${requestTimeoutMs / 1000} s — is the endpoint stuck?`;
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `Could not POST to ${url}: ${error instanceof Error ? error.message : String(error)}${cause}`;
}

function oneLine(text: string, limit = 500): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat;
}

/** Runs the trigger CLI with `argv` (the arguments after the script name). Never throws for bad input. */
export async function runTrigger(argv: readonly string[], io: TriggerIo): Promise<TriggerResult> {
  let parsed: ReturnType<typeof parseTriggerArgs>;
  try {
    parsed = parseTriggerArgs(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${triggerUsage(io.env)}`);
    return { exitCode: 2 };
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(triggerUsage(io.env));
    return { exitCode: 0 };
  }
  if (values.list) {
    for (const listed of triggerableEventTypes) io.out(listed);
    return { exitCode: 0 };
  }
  const [type, ...extra] = positionals;
  if (type === undefined || extra.length > 0) {
    io.err(
      `${type === undefined ? 'Name the event type to send.' : `Expected one event type, got: ${positionals.join(' ')}`}\n\n${triggerUsage(io.env)}`,
    );
    return { exitCode: 2 };
  }
  if (eventKindOf(type) === undefined) {
    io.err(
      `Unknown event type "${type}": not a type of the pinned stripe package, or Stripe has no example of its object. ` +
        '`npm run trigger -- --list` prints the types it can build.',
    );
    return { exitCode: 2 };
  }
  if (values.via !== undefined && values.via !== 'webhook' && values.via !== 'eventbridge') {
    io.err(`--via ${JSON.stringify(values.via)}: expected webhook (the default) or eventbridge`);
    return { exitCode: 2 };
  }
  const viaEventBridge = values.via === 'eventbridge';
  const webhookUrl = values.url ?? defaultTriggerUrl(io.env, io.localPipeline?.());
  // The local pipeline plays the EventBridge rule at /_local/eventbridge, beside /webhook.
  const url =
    viaEventBridge && URL.canParse(webhookUrl) ? new URL('/_local/eventbridge', webhookUrl).toString() : webhookUrl;
  if (!URL.canParse(url)) {
    io.err(`--url ${JSON.stringify(url)} is not an absolute URL; pass e.g. ${defaultTriggerUrl({})}`);
    return { exitCode: 2 };
  }
  let amount: number | undefined;
  if (values.amount !== undefined) {
    amount = /^-?\d+$/.test(values.amount) ? Number(values.amount) : Number.NaN;
    if (!Number.isSafeInteger(amount)) {
      io.err(
        `--amount ${JSON.stringify(values.amount)} must be a whole number in the minor unit, e.g. 2000 for USD 20.00`,
      );
      return { exitCode: 2 };
    }
  }

  let event: BuiltEvent['event'];
  try {
    ({ event } = buildAnyEvent(type, {
      ...(amount === undefined ? {} : { amount }),
      ...(values.currency === undefined ? {} : { currency: values.currency }),
      ...(values.email === undefined ? {} : { email: values.email }),
    }));
    applyOverrides(event, values.override ?? []);
  } catch (error) {
    if (!(error instanceof InvalidEventOptionError)) throw error;
    io.err(error.message);
    return { exitCode: 2 };
  }
  const secret = values.secret ?? io.env.STRIPE_WEBHOOK_SECRET ?? devSigningSecret;
  const delivery = signedDelivery(event, { secret, via: viaEventBridge ? 'eventbridge' : 'webhook' });
  const { body, signature } = delivery;
  const post = io.fetch ?? fetch;
  const sent = { url, event, body, signature };

  let response: Response;
  let responseText: string;
  try {
    response = await post(url, {
      method: 'POST',
      headers: delivery.headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    responseText = await response.text();
  } catch (error) {
    io.err(`→ ${type} ${event.id} to ${url} : ${describeFailure(error, url)}`);
    return { exitCode: 1, sent };
  }
  const line = `→ ${type} ${event.id} to ${url} : ${response.status} ${oneLine(responseText)}`.trimEnd();
  if (response.ok) {
    io.out(line);
    return { exitCode: 0, sent: { ...sent, status: response.status } };
  }
  io.err(line);
  if (response.status === 400 || response.status === 401) {
    io.err('If the signature was refused, pass the secret the endpoint uses with --secret or STRIPE_WEBHOOK_SECRET.');
  }
  return { exitCode: 1, sent: { ...sent, status: response.status } };
}

function parseTriggerArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      email: { type: 'string' },
      via: { type: 'string' },
      override: { type: 'string', multiple: true },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
