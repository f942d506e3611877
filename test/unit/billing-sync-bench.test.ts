/**
 * The billing sync benchmark's scenarios (bench/billing-sync.ts) as a test: the fake Stripe API on
 * loopback, the real client, consumer core and billing handlers, the sync queue on a simulated clock.
 * The goal of the billing state issue: one checkout's burst costs at most 3 subscription lists, a
 * replay of its events a day later none.
 */
import { burstSubscriptionListGoal, formatBillingSyncBench, measureBillingSync } from '../../bench/billing-sync';

jest.setTimeout(30_000);

describe('bench:billing scenarios', () => {
  it('coalesce a checkout burst to at most 3 subscription lists, replay it for none, and store what the API says', async () => {
    // Act
    const result = await measureBillingSync({ otherOrders: 5 });
    // Assess
    const row = (scenario: string, strategy = 'coalesced') =>
      result.rows.find((candidate) => candidate.scenario === scenario && candidate.strategy === strategy);
    expect(result.burstEvents).toBeGreaterThanOrEqual(8);
    expect(result.burstEvents).toBeLessThanOrEqual(12);
    expect(row('burst')?.subscriptionLists).toBeLessThanOrEqual(burstSubscriptionListGoal);
    expect(row('burst')?.stateMatchesApi).toBe(true);
    expect(row('replay')?.calls).toBe(0);
    expect(row('single')?.calls).toBe(3);
    expect(result.otherOrders.burstSubscriptionListsMax).toBeLessThanOrEqual(burstSubscriptionListGoal);
    expect(result.otherOrders.replayCallsMax).toBe(0);
    expect(result.otherOrders.stateAlwaysMatches).toBe(true);
    // The baseline syncs on every event the billing sync listens to: what coalescing saves.
    expect(row('burst', 'baseline')?.syncsRun).toBe(result.burstSyncedEvents);
    expect(row('replay', 'baseline')?.syncsRun).toBe(result.burstSyncedEvents);
    expect(result.goalMet).toBe(true);
    expect(formatBillingSyncBench(result)).toContain('State after burst equals the API: yes');
  });
});
