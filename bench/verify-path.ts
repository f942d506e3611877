/**
 * Part 1: the receiver's verify-and-prepare path against the sample's `constructEvent`, per event,
 * plus the steps of ours timed alone and the floor both paths share, to show where the time goes.
 */

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import { toWebhookRequest } from '../functions/receiver/http-request';
import { type QueuedEvent, type ReceiverDependencies, receiveWebhook } from '../functions/receiver/receive-webhook';
import type { ReceiverMetrics } from '../functions/receiver/receiver-metrics';
import { parseSignatureHeader, verifyStripeSignature } from '../functions/receiver/stripe-signature';
import { signatureToleranceSeconds } from '../functions/receiver/tuning';
import type { LoggerPort } from '../functions/shared/logger';
import { kib, markdownTable, num, ratio, verdict } from '../tools/measure/format';
import { asyncBatch, pairedSpeedup, type Summary, syncBatch, timeCases } from '../tools/measure/timing';
import { type BenchEvent, benchSigningSecret } from './events';
import type { toSqsMessage as SampleToSqsMessage } from './sample-receiver';

/**
 * Goals of issue 13, per event label: ours at least this many times faster than `constructEvent` with
 * the same checks. (Issue 3 asked for 2×, which the floor below shows no verifier with these checks can reach.)
 */
export const speedupGoals: Readonly<Record<string, number>> = { '3 KB': 1.3, '100 KB': 1.05 };
const speedupGoal = (r: VerifyPathResult): number => speedupGoals[r.event.label] ?? 1;

// Many short batches: on a shared machine a burst of other work spoils a few of them, not the median.
const timing = { batches: 61, batchMs: 10 };
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-events';
const secrets = [benchSigningSecret];

// Logs and metrics are JSON lines written to stdout (I/O, and Powertools' cost, not the receiver's):
// here they would only blur the comparison, so both are no-ops.
const silentLogger: LoggerPort = { info: () => {}, warn: () => {}, error: () => {} };
const noMetrics: ReceiverMetrics = { count: () => {} };

// The strict UTF-8 check receive-webhook.ts makes of a text body (private there), to time that step alone.
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

type SampleToSqs = typeof SampleToSqsMessage;

const stepNames = ['toWebhookRequest', 'verifySignature', 'wellFormed', 'jsonParse'] as const;
type StepName = (typeof stepNames)[number];

export interface VerifyPathResult {
  readonly event: BenchEvent;
  readonly ours: Summary;
  readonly constructEvent: Summary;
  /** HMAC-SHA256 of `t.body` straight from the event's string, then JSON.parse: what any verifier must do. */
  readonly floor: Summary;
  /** Steps of ours, each timed alone. */
  readonly steps: Readonly<Record<StepName, Summary>>;
}

type ReceiverBench = { readonly deps: ReceiverDependencies; readonly lastQueued: () => QueuedEvent | undefined };

function receiverDependencies(): ReceiverBench {
  let last: QueuedEvent | undefined;
  const deps: ReceiverDependencies = {
    signingSecrets: async () => secrets,
    // As the handler wires it: the secrets are cached after the first request.
    cachedSigningSecrets: () => secrets,
    // Only called after a mismatch, which never happens here.
    refreshSigningSecrets: async () => undefined,
    isSubscribed: () => true,
    enqueue: async (queued) => {
      last = queued;
    },
    now: () => new Date(),
    toleranceSeconds: signatureToleranceSeconds,
    logger: silentLogger,
    metrics: noMetrics,
  };
  return { deps, lastQueued: () => last };
}

/** Runs both paths once and fails loudly unless both accept the event: a rejection would be much faster. */
async function checkBothAccept(event: BenchEvent, toSqsMessage: SampleToSqs, receiver: ReceiverBench): Promise<void> {
  const { deps, lastQueued } = receiver;
  const response = await receiveWebhook(toWebhookRequest(event.apiGatewayEvent), deps);
  if (response.statusCode !== 200 || lastQueued()?.eventId !== event.eventId) {
    throw new Error(`The receiver did not accept the ${event.label} event: ${JSON.stringify(response)}`);
  }
  const message = toSqsMessage(event.apiGatewayEvent, benchSigningSecret, queueUrl);
  if (message.MessageAttributes?.['stripe-event-id']?.StringValue !== event.eventId) {
    throw new Error(`constructEvent did not accept the ${event.label} event`);
  }
}

async function measureOne(
  event: BenchEvent,
  toSqsMessage: SampleToSqs,
  receiver: ReceiverBench,
): Promise<VerifyPathResult> {
  await checkBothAccept(event, toSqsMessage, receiver);
  const { deps } = receiver;
  const request = toWebhookRequest(event.apiGatewayEvent);
  const header = request.headers['stripe-signature'];
  const { timestamp } = parseSignatureHeader(header);
  const times = await timeCases(
    [
      { name: 'ours', batch: asyncBatch(() => receiveWebhook(toWebhookRequest(event.apiGatewayEvent), deps)) },
      {
        name: 'constructEvent',
        batch: syncBatch(() => toSqsMessage(event.apiGatewayEvent, benchSigningSecret, queueUrl)),
      },
      {
        name: 'floor',
        batch: syncBatch(() => {
          createHmac('sha256', benchSigningSecret).update(`${timestamp}.`).update(event.body).digest();
          return JSON.parse(event.body);
        }),
      },
      { name: 'toWebhookRequest', batch: syncBatch(() => toWebhookRequest(event.apiGatewayEvent)) },
      {
        name: 'verifySignature',
        batch: syncBatch(() =>
          verifyStripeSignature({
            header,
            payload: request.body,
            secrets,
            nowSeconds: Math.floor(Date.now() / 1000),
            toleranceSeconds: signatureToleranceSeconds,
          }),
        ),
      },
      { name: 'wellFormed', batch: syncBatch(() => isWellFormed(event.body)) },
      { name: 'jsonParse', batch: syncBatch(() => JSON.parse(event.body)) },
    ],
    timing,
  );
  const get = (name: string): Summary => times.get(name) ?? { median: Number.NaN, spread: Number.NaN, samples: [] };
  return {
    event,
    ours: get('ours'),
    constructEvent: get('constructEvent'),
    floor: get('floor'),
    steps: Object.fromEntries(stepNames.map((name) => [name, get(name)])) as Record<StepName, Summary>,
  };
}

export async function measureVerifyPath(events: readonly BenchEvent[]): Promise<VerifyPathResult[]> {
  // Loaded here, not imported at the top: the sample creates its clients when loaded, and the caller
  // may first set the environment they read.
  const { toSqsMessage } = await import('./sample-receiver');
  const results: VerifyPathResult[] = [];
  // One set of dependencies for every call, as in a Lambda container. With a new set per event (and one
  // more for the acceptance check), receiveWebhook's call sites saw several closures, and in 2 of 26 runs
  // ours stayed twice as slow for the whole run (3 KB at 0.49× and 0.56×); with one set, 1 of 18 (0.77×),
  // which is why bench/receiver.ts runs this in fresh processes and shows the median.
  const receiver = receiverDependencies();
  for (const event of events) results.push(await measureOne(event, toSqsMessage, receiver));
  return results;
}

/** Several runs of {@link measureVerifyPath}, each in a fresh process, and per event the run with the median ratio. */
export interface VerifyPathRuns {
  readonly runs: readonly (readonly VerifyPathResult[])[];
  /** Per event (in the order measured), its result from the run whose ratio for it is the median. */
  readonly median: readonly VerifyPathResult[];
}

function runInFreshProcess(): Promise<VerifyPathResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'verify-path-run.ts')], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`bench/verify-path-run.ts exited with ${code}`));
      else resolve(JSON.parse(out) as VerifyPathResult[]);
    });
  });
}

export async function measureVerifyPathRuns(
  count: number,
  onRun: (done: number) => void = () => {},
): Promise<VerifyPathRuns> {
  const runs: VerifyPathResult[][] = [];
  for (let run = 0; run < count; run++) {
    runs.push(await runInFreshProcess());
    onRun(run + 1);
  }
  return { runs, median: medianRunPerEvent(runs) };
}

/** Per event, its result from the run whose ratio for it is the median (each event is timed on its own in a run). */
export function medianRunPerEvent(runs: readonly (readonly VerifyPathResult[])[]): VerifyPathResult[] {
  return (runs[0] ?? []).map((_, index) => {
    const ordered = runs
      .map((run) => run[index])
      .filter((result): result is VerifyPathResult => result !== undefined)
      .sort((a, b) => speedup(a) - speedup(b));
    const middle = ordered[Math.floor((ordered.length - 1) / 2)];
    if (middle === undefined) throw new Error('medianRunPerEvent needs at least one run');
    return middle;
  });
}

const speedup = (r: VerifyPathResult) => pairedSpeedup(r.constructEvent, r.ours);
const bestSpeedup = (r: VerifyPathResult) => pairedSpeedup(r.constructEvent, r.floor);

function withSpread(summary: Summary): string {
  return `${num(summary.median)} ±${num(summary.spread * 100, 0)}%`;
}

export function renderVerifyPath(results: readonly VerifyPathResult[], runs?: VerifyPathRuns): string {
  const out: string[] = ['## 1. Verify and prepare one event (µs/event)', ''];
  if (runs !== undefined && runs.runs.length > 1) {
    const perLabel = (results[0] ? results : []).map(
      ({ event }, index) =>
        `${event.label} ${runs.runs.map((run) => (run[index] ? ratio(speedup(run[index])) : '—')).join(', ')}`,
    );
    out.push(
      `- ${runs.runs.length} runs, each in a fresh process (V8 now and then settles a whole process into slower code ` +
        'for one case); each event below is shown from the run with its median ratio. ' +
        `constructEvent / ours per run: ${perLabel.join('; ')}`,
    );
  }
  for (const { event } of results) {
    out.push(`- ${event.label} event: ${event.description}, ${num(event.bytes, 0)} bytes (${kib(event.bytes)} KiB)`);
  }
  out.push(
    '- ours: `toWebhookRequest(HTTP API v2 event)` → `receiveWebhook` (size checks → signature → strict UTF-8 → JSON.parse → ' +
      'event shape → message); deps: signingSecrets = resolved array (and cached, as in the handler), enqueue = keeps the last message, ' +
      'isSubscribed = every type, now = `new Date()`, **logger and metrics = no-op**, no IP allowlist, default limits; ' +
      'each call awaited, as the handler does',
    '- constructEvent: bench/sample-receiver.ts `toSqsMessage`: body from the same HTTP API v2 event → ' +
      '`stripe.webhooks.constructEvent(body, header, secret, 300)` (signature, tolerance, JSON.parse) → SQS message input',
    `- median of ${timing.batches} batches of ~${timing.batchMs} ms after warm-up, cases interleaved; ` +
      '± is half the interquartile range of the batches; a ratio is the median of the per-round ratios (both ' +
      'batches of a round run back to back), so it need not equal the ratio of the two medians',
    '',
    markdownTable(
      ['event', 'ours µs', 'constructEvent µs', 'constructEvent / ours', 'goal', 'met?'],
      results.map((r) => [
        r.event.label,
        withSpread(r.ours),
        withSpread(r.constructEvent),
        ratio(speedup(r)),
        `≥ ${ratio(speedupGoal(r))}`,
        verdict(speedup(r) >= speedupGoal(r)),
      ]),
    ),
    '',
    '### Where the time goes (µs/event; steps timed alone, so they need not add up exactly)',
    '',
  );
  const column = (pick: (r: VerifyPathResult) => number) => results.map((r) => num(pick(r)));
  const step = (name: StepName) => (r: VerifyPathResult) => r.steps[name].median;
  const stepsTotal = (r: VerifyPathResult) => stepNames.reduce((sum, name) => sum + r.steps[name].median, 0);
  // By subtraction, so below zero when the steps timed alone cost more than inside the whole (noise, GC).
  const restOf = (r: VerifyPathResult) => {
    const rest = r.ours.median - stepsTotal(r);
    return rest < 0 ? '≈0 (noise)' : num(rest);
  };
  out.push(
    markdownTable(
      ['step', ...results.map((r) => r.event.label)],
      [
        ['ours: toWebhookRequest (headers; the body string kept as is)', ...column(step('toWebhookRequest'))],
        [
          'ours: verifyStripeSignature (parse header, HMAC-SHA256 of the string, compare)',
          ...column(step('verifySignature')),
        ],
        ['ours: strict UTF-8 check (String#isWellFormed, no copy)', ...column(step('wellFormed'))],
        ['ours: JSON.parse', ...column(step('jsonParse'))],
        ['ours: the rest (size checks, awaits, event shape, message, clock)', ...results.map((r) => restOf(r))],
        ['**ours, total**', ...column((r) => r.ours.median)],
        ['**constructEvent path, total**', ...column((r) => r.constructEvent.median)],
        ['floor: HMAC-SHA256 of the body string + JSON.parse, nothing else', ...column((r) => r.floor.median)],
        [
          'best constructEvent / ours any verifier with these checks can reach',
          ...results.map((r) => ratio(bestSpeedup(r))),
        ],
      ],
    ),
  );
  const missed = results.filter((r) => speedup(r) < speedupGoal(r));
  if (missed.length === 0) return out.join('\n');

  out.push('', `**Goal missed (${missed.map((r) => r.event.label).join(', ')}): what holds it back.**`);
  const floorBound = missed.filter((r) => bestSpeedup(r) < speedupGoal(r));
  if (floorBound.length > 0) {
    out.push(
      `- Both paths must HMAC the whole body and JSON.parse it. That floor alone takes ${floorBound
        .map((r) => `${num(r.floor.median)} of constructEvent's ${num(r.constructEvent.median)} µs (${r.event.label})`)
        .join(', ')}, so no verifier doing the same checks can reach the goal there: at most ${floorBound
        .map((r) => `${ratio(bestSpeedup(r))} (${r.event.label})`)
        .join(', ')}.`,
    );
  }
  for (const r of missed) {
    out.push(
      `- ${r.event.label}: ours takes ${num(r.ours.median - r.floor.median)} µs more than the floor. Steps only ours ` +
        `takes, timed alone: the headers and the request object ${num(r.steps.toWebhookRequest.median)} µs, the strict ` +
        `UTF-8 check ${num(r.steps.wellFormed.median)} µs; the rest of receiveWebhook ${restOf(r)} µs. The goal needs ` +
        `ours at ${num(r.constructEvent.median / speedupGoal(r))} µs or less, ${num(r.constructEvent.median / speedupGoal(r) - r.floor.median)} µs ` +
        `above the floor, where constructEvent itself takes ${num(r.constructEvent.median - r.floor.median)} µs above it.`,
    );
  }
  return out.join('\n');
}
