/**
 * One measured run of the local pipeline (`npm start`'s, in this process) behind a counting proxy:
 * N signed `invoice.paid` events posted by K concurrent senders, then a wait until every one is
 * processed. Shared by `npm run cost` (what AWS calls an event costs) and `npm run bench:e2e`
 * (how fast the pipeline goes), so both measure the same thing.
 */
import { resolveSettings } from '../../config/settings';
import { UsageError } from '../cli';
import { startMoto } from '../local/moto';
import { startLocalPipeline } from '../local/pipeline';
import { buildStripeEvent, signStripePayload, toStripeWebhookBody } from '../stripe-events';
import { type AwsCall, startAwsCallCounter } from './aws-call-counter';

const signingSecret = 'whsec_bench_not_a_real_key_123';

/** The value of option `name` (`--events`): a whole number ≥ 1, else `fallback` when not given; a bad value is a usage error. */
export function positiveIntOption(name: string, value: string | undefined, fallback: number, usage: string): number {
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new UsageError(`${name} takes a whole number >= 1, not ${JSON.stringify(value)}.\n\n${usage}`);
  }
  return parsed;
}

/** The options of `npm run cost` and `npm run bench:e2e`: how many events, from how many senders. */
export const runOptions = { events: { type: 'string' }, senders: { type: 'string' } } as const;

export interface PipelineRunOptions {
  readonly events: number;
  readonly senders: number;
  /** Progress lines (stderr). */
  readonly progress: (line: string) => void;
  /** Gives up waiting for the events to be processed after this long. @default 120_000 */
  readonly timeoutMs?: number;
  /** Also runs the direct-to-emulator baseline before stopping moto. */
  readonly baseline?: (emulatorEndpoint: string) => Promise<void>;
}

export interface PipelineRun {
  readonly events: number;
  readonly senders: number;
  /**
   * Calls made after the warm-up event, until all events were processed (signed calls only, without
   * the long polls that found the queue empty: those are idle polling, not per event).
   */
  readonly calls: readonly AwsCall[];
  /** Calls made while the first (cold) event went through: the per-container work. */
  readonly coldCalls: readonly AwsCall[];
  /** Client-side time from POST to the 200, per event, in ms (an upper bound of the receiver's duration). */
  readonly ackMs: readonly number[];
  /** From the first POST to the last 200, and to the last event processed. */
  readonly ackWindowMs: number;
  readonly processedWindowMs: number;
  /** Consumer invocations: a ReceiveMessage with messages up to its DeleteMessageBatch. */
  readonly consumerInvocationsMs: readonly number[];
  readonly notProcessed: number;
}

function signedInvoice(id: string, index: number): { id: string; body: string } {
  const event = buildStripeEvent('invoice.paid', { id, email: `bench-${index}@example.com` });
  return { id: event.id, body: toStripeWebhookBody(event) };
}

async function post(url: string, body: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': signStripePayload(body, signingSecret),
    },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`the receiver answered ${response.status} for a signed invoice.paid`);
  return performance.now() - started;
}

/** Each ReceiveMessage that returned messages, paired with the next DeleteMessageBatch: one consumer invocation. */
export function consumerInvocations(calls: readonly AwsCall[]): number[] {
  const durations: number[] = [];
  const sqs = calls.filter((call) => call.service === 'sqs');
  for (let i = 0; i < sqs.length; i++) {
    const receive = sqs[i];
    if (receive?.operation !== 'ReceiveMessage' || receive.empty) continue;
    const deleted = sqs.slice(i + 1).find((call) => call.operation === 'DeleteMessageBatch');
    if (deleted) durations.push(deleted.startedMs - receive.endedMs);
  }
  return durations;
}

export async function runLocalPipeline(options: PipelineRunOptions): Promise<PipelineRun> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  options.progress('starting moto and the local pipeline…');
  const moto = await startMoto();
  const counter = await startAwsCallCounter(moto.endpoint);
  const pipeline = await startLocalPipeline({
    port: 0,
    signingSecret,
    emulatorEndpoint: counter.endpoint,
    settings: resolveSettings({ stage: 'local' }),
  });
  const processed = (ids: readonly string[]) => {
    const wanted = new Set(ids);
    return pipeline.events().filter((event) => wanted.has(event.id) && event.status === 'processed').length;
  };
  // An event counts as processed inside the consumer; its batch's DeleteMessageBatch comes just after.
  const settle = async (): Promise<void> => {
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline) {
      const sqs = counter.calls().filter((call) => call.service === 'sqs');
      const receives = sqs.filter((call) => call.operation === 'ReceiveMessage' && !call.empty).length;
      if (sqs.filter((call) => call.operation === 'DeleteMessageBatch').length >= receives) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const waitProcessed = async (ids: readonly string[]): Promise<number> => {
    const deadline = performance.now() + timeoutMs;
    let printedAt = performance.now();
    for (;;) {
      const done = processed(ids);
      if (done === ids.length || performance.now() > deadline) {
        const at = performance.now();
        await settle();
        return at;
      }
      if (performance.now() - printedAt > 2000) {
        options.progress(`processed ${done}/${ids.length}`);
        printedAt = performance.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    const signed = (calls: readonly AwsCall[]) => calls.filter((call) => call.service !== 'unsigned');
    // The first event pays the containers' start (the secret, connections): counted apart.
    counter.reset();
    const warm = signedInvoice('evt_bench_warmup', -1);
    await post(pipeline.webhookUrl, warm.body);
    await waitProcessed([warm.id]);
    const coldCalls = signed(counter.calls());
    counter.reset();

    const events = Array.from({ length: options.events }, (_, i) => signedInvoice(`evt_bench_${i}`, i));
    options.progress(`posting ${options.events} signed invoice.paid events from ${options.senders} senders…`);
    const ackMs: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.senders }, async () => {
        for (let i = next++; i < events.length; i = next++) {
          const event = events[i];
          if (event) ackMs.push(await post(pipeline.webhookUrl, event.body));
        }
      }),
    );
    const ackWindowMs = performance.now() - started;
    const ids = events.map((event) => event.id);
    const processedAt = await waitProcessed(ids);
    const calls = signed(counter.calls()).filter((call) => !call.empty);
    const run: PipelineRun = {
      events: options.events,
      senders: options.senders,
      calls,
      coldCalls,
      ackMs,
      ackWindowMs,
      processedWindowMs: processedAt - started,
      consumerInvocationsMs: consumerInvocations(calls),
      notProcessed: ids.length - processed(ids),
    };
    if (options.baseline) await options.baseline(moto.endpoint);
    return run;
  } finally {
    await pipeline.stop();
    await counter.close();
    await moto.stop();
  }
}
