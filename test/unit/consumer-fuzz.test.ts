import { fuzzConsumer, fuzzedEventTypes } from '../fuzz/consumer-properties';

// A few hundred cases here (a few seconds); `npm run fuzz:consumer -- --runs 100000` runs more.
const numRuns = 400;
const seed = 20_261_201;

describe('fuzzing the consumer with mutated Stripe events', () => {
  it('never throws but injected outages, and sends each email with its key facts or skips it with a reason', async () => {
    // Act
    const report = await fuzzConsumer({ numRuns, seed });
    // Assess
    if (report.failure !== undefined) {
      throw new Error(
        `seed ${report.seed}: ${report.failure}\n(repeat: npm run fuzz:consumer -- --runs ${numRuns} --seed ${report.seed})`,
      );
    }
    expect(report.runs).toBe(numRuns);
    // Every subscribed type was tried, and the cases did not all end as skips or outages.
    expect(Object.keys(report.byType).sort()).toEqual([...fuzzedEventTypes]);
    expect(report.byResult.sent).toBeGreaterThan(numRuns / 20);
  });

  it('covers every built-in email type and every billing sync type', () => {
    expect(fuzzedEventTypes).toEqual(
      expect.arrayContaining(['invoice.paid', 'invoice.upcoming', 'charge.refunded', 'customer.updated']),
    );
  });
});
