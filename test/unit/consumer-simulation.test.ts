import { defaultSimulation, runConsumerSimulation } from '../sim/consumer-simulation';

// The full 10,000-event run is `npm run sim`; here a lighter one per seed keeps `npm test` fast.
describe('consumer simulation (seeded, fault-injecting fakes)', () => {
  it.each([11, 12])('gives every event its effects exactly once under faults, seed %i', async (seed) => {
    // Act
    const report = await runConsumerSimulation({ ...defaultSimulation, events: 2_000, seed });
    // Assess
    expect(report.violations).toEqual([]);
    expect(report.deliveries).toBeGreaterThan(report.events * 1.2);
    expect(report.throttleRequeues).toBeGreaterThan(0);
    expect(report.crashes).toBeGreaterThan(0);
    expect(report.poisonInDeadLetterQueue).toBe(report.poison);
    expect(report.healthyInDeadLetterQueue).toBe(0);
    expect(report.done).toBe(report.events - report.poison);
    expect(report.repeatedEmails).toBe(report.crashWindows);
    expect(report.emailsSent).toBe(report.emailsExpected + report.repeatedEmails);
  });

  it('catches a consumer that repeats side effects', async () => {
    // Act: a consumer whose step records are lost
    const report = await runConsumerSimulation({
      ...defaultSimulation,
      events: 2_000,
      seed: 11,
      sabotageStepRecords: true,
    });
    // Assess
    expect(report.violations.some((violation) => /emails to .* crash windows/.test(violation))).toBe(true);
  });
});
