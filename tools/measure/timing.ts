/**
 * A tiny micro-benchmark harness: calibrated batches, run round-robin, reported as medians (and the
 * median that `npm run cost` reports). In tools/, with the rest of tools/measure/, so the benchmarks in
 * bench/ and the tools both import it going one way: bench/ imports tools/, never the reverse.
 */

/**
 * Runs the work under test `iterations` times. Synchronous work loops synchronously, so that no
 * `await` is timed with it; asynchronous work awaits each call, as its caller would.
 */
export type Batch = (iterations: number) => void | Promise<void>;

export interface TimedCase {
  readonly name: string;
  readonly batch: Batch;
}

export interface TimingOptions {
  /** Batches per case; the reported value is their median. */
  readonly batches: number;
  /** Target duration of one batch. */
  readonly batchMs: number;
}

/** The `q` quantile (0 to 1) of `values`, interpolated between the two nearest. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] ?? Number.NaN;
  const above = sorted[Math.ceil(position)] ?? Number.NaN;
  return below + (above - below) * (position - Math.floor(position));
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export interface Summary {
  readonly median: number;
  /** Half the interquartile range, relative to the median: how noisy the batches were. */
  readonly spread: number;
  /** Every batch's value, in the order they ran (one per round for {@link timeCases}). */
  readonly samples: readonly number[];
}

export function summarize(values: readonly number[]): Summary {
  const middle = median(values);
  return { median: middle, spread: (quantile(values, 0.75) - quantile(values, 0.25)) / 2 / middle, samples: values };
}

/**
 * How many times faster `fast` is than `slow`: the median over rounds of the two batches' ratio within
 * the same round. Batches of one round run back to back, so a slow spell of a shared machine (a noisy
 * neighbour slowing every case for a few seconds) divides out, where a ratio of the two medians would
 * carry it whenever it hit one case's batches more than the other's.
 */
export function pairedSpeedup(slow: Summary, fast: Summary): number {
  const ratios: number[] = [];
  const rounds = Math.min(slow.samples.length, fast.samples.length);
  for (let round = 0; round < rounds; round++) {
    const slowBatch = slow.samples[round];
    const fastBatch = fast.samples[round];
    if (slowBatch !== undefined && fastBatch !== undefined && fastBatch > 0) ratios.push(slowBatch / fastBatch);
  }
  return ratios.length === 0 ? Number.NaN : median(ratios);
}

async function elapsedMs(batch: Batch, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  await batch(iterations);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Warms a case up (which lets V8 optimize it) while finding how many iterations fill a batch: the
 * count doubles until one batch takes a tenth of the target, then scales to the target.
 */
async function calibrate(batch: Batch, batchMs: number): Promise<number> {
  let iterations = 1;
  for (;;) {
    const ms = await elapsedMs(batch, iterations);
    if (ms >= batchMs / 10) return Math.max(1, Math.round((iterations * batchMs) / ms));
    iterations *= 2;
  }
}

/**
 * µs per iteration of each case, over its batches. The cases' batches are interleaved (and the order
 * rotated each round) so that drift in CPU frequency, GC pressure or other load hits every case alike.
 */
export async function timeCases(cases: readonly TimedCase[], options: TimingOptions): Promise<Map<string, Summary>> {
  const iterations = new Map<string, number>();
  // Every case is warmed up once before any is calibrated: the case V8 optimizes first otherwise keeps
  // code built before its shared callees had settled, measured 20-40 % slower for the same code (five
  // identical copies of receiveWebhook timed side by side: only the first-listed one was slow).
  for (const timed of cases) await calibrate(timed.batch, options.batchMs);
  for (const timed of cases) iterations.set(timed.name, await calibrate(timed.batch, options.batchMs));
  const samples = new Map<string, number[]>(cases.map((timed) => [timed.name, []]));
  for (let round = 0; round < options.batches; round++) {
    for (let i = 0; i < cases.length; i++) {
      const timed = cases[(round + i) % cases.length];
      if (timed === undefined) continue;
      const count = iterations.get(timed.name) ?? 1;
      samples.get(timed.name)?.push(((await elapsedMs(timed.batch, count)) * 1000) / count);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, summarize(values)]));
}

// The last result of every batch is kept here, so that V8 cannot drop the work as unused.
const kept: { last: unknown } = { last: undefined };

/** A batch for synchronous work. */
export function syncBatch(work: () => unknown): Batch {
  return (iterations) => {
    for (let i = 0; i < iterations; i++) kept.last = work();
  };
}

/** A batch for asynchronous work, each call awaited before the next, as a Lambda invocation does. */
export function asyncBatch(work: () => Promise<unknown>): Batch {
  return async (iterations) => {
    for (let i = 0; i < iterations; i++) kept.last = await work();
  };
}
