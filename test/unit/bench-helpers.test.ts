import Stripe from 'stripe';
import { type BenchEvent, benchSigningSecret, buildBenchEvents } from '../../bench/events';
import { medianRunPerEvent, type VerifyPathResult } from '../../bench/verify-path';
import { pairedSpeedup, quantile, summarize } from '../../tools/measure/timing';

describe('bench events', () => {
  it('are the advertised ~3 KB and ~100 KB deliveries, signed so that Stripe accepts them', () => {
    // Act
    const events = buildBenchEvents(new Date());
    // Assess
    // At least the size in the label, and at most one repeated part (a metadata key, a line item) above it.
    const [small = 0, large = 0] = events.map((event) => event.bytes / 1024);
    expect(events.map((event) => event.label)).toEqual(['3 KB', '100 KB']);
    expect(small).toBeGreaterThanOrEqual(3);
    expect(small).toBeLessThan(3.1);
    expect(large).toBeGreaterThanOrEqual(100);
    expect(large).toBeLessThan(102);
    for (const event of events) {
      const { body, headers } = event.apiGatewayEvent;
      const verified = Stripe.webhooks.constructEvent(
        body ?? '',
        headers['stripe-signature'] ?? '',
        benchSigningSecret,
      );
      expect(verified.id).toBe(event.eventId);
    }
  });
});

describe('bench statistics', () => {
  it('interpolates quantiles and reports the spread relative to the median', () => {
    // Act
    const summary = summarize([4, 1, 3, 2, 5]);
    // Assess
    expect([quantile([1, 2, 3, 4], 0.5), quantile([1, 2, 3, 4], 0.25)]).toEqual([2.5, 1.75]);
    expect(summary).toEqual({ median: 3, spread: (4 - 2) / 2 / 3, samples: [4, 1, 3, 2, 5] });
  });

  it('takes a speedup round by round, so a slow spell that hits both cases divides out', () => {
    // Prepare: the baseline takes twice as long as ours in the same round; a spell three times slower
    // covered rounds 3 to 6 for the baseline's batches but ended before ours' batch of round 6
    const baseline = summarize([20, 20, 60, 60, 60, 60, 20]);
    const ours = summarize([10, 10, 30, 30, 30, 10, 10]);
    // Act + Assess: the ratio of the medians would say 6
    expect(baseline.median / ours.median).toBe(6);
    expect(pairedSpeedup(baseline, ours)).toBe(2);
    expect(pairedSpeedup(summarize([]), ours)).toBeNaN();
  });
});

describe('verify-path runs in fresh processes', () => {
  it('shows each event from the run with its own median ratio', () => {
    // Prepare: three runs; the 3 KB median is run 2's, the 100 KB median run 3's
    const [small, large] = buildBenchEvents(new Date());
    if (small === undefined || large === undefined) throw new Error('buildBenchEvents gave fewer than two events');
    const result = (event: BenchEvent, run: number, ours: number, baseline: number): VerifyPathResult => {
      const summary = (value: number) => summarize([value, value, value]);
      return {
        event,
        ours: summary(ours),
        constructEvent: summary(baseline),
        floor: summary(run),
        steps: {
          toWebhookRequest: summary(0),
          verifySignature: summary(0),
          wellFormed: summary(0),
          jsonParse: summary(0),
        },
      };
    };
    const runs = [
      [result(small, 1, 20, 10), result(large, 1, 100, 100)],
      [result(small, 2, 10, 10), result(large, 2, 100, 120)],
      [result(small, 3, 10, 30), result(large, 3, 100, 110)],
    ];
    // Act
    const median = medianRunPerEvent(runs);
    // Assess: ratios 0.5, 1, 3 at 3 KB; 1, 1.2, 1.1 at 100 KB
    expect(median.map((r) => r.floor.median)).toEqual([2, 3]);
    expect(medianRunPerEvent([])).toEqual([]);
  });
});
