/**
 * `npm run events:sign [-- --rebuild]`: re-signs the captured receiver events in `events/` with a
 * fresh timestamp (a signature expires after 300 s), keeping each body byte for byte. Files that do
 * not exist yet, or all of them with `--rebuild`, are built from a new `invoice.paid` event. The
 * secret is STRIPE_WEBHOOK_SECRET, else the local dev secret.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCommandLine, runCommand, wantsHelp } from './cli';
import { devSigningSecret } from './local/defaults';
import {
  buildConsumerSqsEvent,
  buildHttpApiEvent,
  buildRestApiEvent,
  formatEventJson,
  type ReceiverEvent,
  receiverEventBody,
  resignReceiverEvent,
} from './receiver-events';
import { buildStripeEvent, signStripePayload, toStripeWebhookBody } from './stripe-events';

export { resignReceiverEvent } from './receiver-events';

const repositoryRoot = join(__dirname, '..');

export const capturedEventPaths = {
  httpApi: join(repositoryRoot, 'events', 'receiver-http-api-v2.json'),
  restApi: join(repositoryRoot, 'events', 'receiver-rest-api-v1.json'),
  consumerSqs: join(repositoryRoot, 'events', 'consumer-sqs.json'),
} as const;

function readEvent(path: string): ReceiverEvent | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ReceiverEvent;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, formatEventJson(value));
}

export interface SignEventsOptions {
  readonly secret: string;
  readonly now: Date;
  /** Replace every captured event with a new one instead of re-signing. */
  readonly rebuild: boolean;
  readonly log: (line: string) => void;
}

export function signCapturedEvents(options: SignEventsOptions): void {
  const { secret, now, rebuild, log } = options;
  const shown = (path: string) => relative(process.cwd(), path);
  const httpApi = rebuild ? undefined : readEvent(capturedEventPaths.httpApi);
  const restApi = rebuild ? undefined : readEvent(capturedEventPaths.restApi);
  // One Stripe event across all files, so that what the receiver would queue is what the consumer gets.
  const existing = httpApi ?? restApi;
  const body = existing
    ? receiverEventBody(existing)
    : toStripeWebhookBody(buildStripeEvent('invoice.paid', { created: Math.floor(now.getTime() / 1000) }));
  const signature = signStripePayload(body, secret, Math.floor(now.getTime() / 1000));

  const files: Array<[path: string, event: ReceiverEvent | undefined, build: () => ReceiverEvent]> = [
    [capturedEventPaths.httpApi, httpApi, () => buildHttpApiEvent(body, signature, now)],
    [capturedEventPaths.restApi, restApi, () => buildRestApiEvent(body, signature, now)],
  ];
  for (const [path, event, build] of files) {
    writeJson(path, event ? resignReceiverEvent(event, secret, now) : build());
    log(`${event ? 'Re-signed' : 'Wrote'} ${shown(path)}`);
  }
  if (rebuild || !existsSync(capturedEventPaths.consumerSqs)) {
    writeJson(capturedEventPaths.consumerSqs, buildConsumerSqsEvent(body, now));
    log(`Wrote ${shown(capturedEventPaths.consumerSqs)}`);
  }
  log('Signatures are valid for 300 s: run `npm run events:sign` again right before `sam local invoke`.');
}

const usage = `Usage: npm run events:sign [-- --rebuild]

Re-signs the captured receiver events in events/ (receiver-http-api-v2.json, receiver-rest-api-v1.json)
with a fresh timestamp, keeping each body byte for byte; a signature expires after 300 s, so run it right
before \`sam local invoke\`. The secret is STRIPE_WEBHOOK_SECRET, else the local dev secret.

Options:
  --rebuild    build every file, events/consumer-sqs.json too, from a new invoice.paid event
  -h, --help   show this help`;

function main(argv: readonly string[]): number {
  if (wantsHelp(argv)) {
    console.log(usage);
    return 0;
  }
  const { values } = parseCommandLine(argv, { options: { rebuild: { type: 'boolean' } } }, usage);
  signCapturedEvents({
    secret: process.env.STRIPE_WEBHOOK_SECRET ?? devSigningSecret,
    now: new Date(),
    rebuild: values.rebuild ?? false,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  return 0;
}

if (require.main === module) runCommand(main);
