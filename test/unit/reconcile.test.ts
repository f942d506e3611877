/**
 * The reconciler's run: the replay over the last day with delivery_success=false, leaving the newest
 * minutes to Stripe's own attempts, and its metrics.
 */
import type Stripe from 'stripe';
import type { QueuedEvent } from '../../functions/receiver/receive-webhook';
import { reconcile, reconcilerGraceMinutes, reconcilerWindowHours } from '../../functions/reconciler/reconcile';
import type { ListEventsQuery } from '../../functions/shared/stripe-api/admin';

const now = new Date('2026-12-03T12:00:00Z');

it('replays the undelivered events of the window and counts RecoveredEvents', async () => {
  // Prepare: 3 undelivered events, one of them already done by the consumer
  const queries: ListEventsQuery[] = [];
  const events = ['evt_a', 'evt_b', 'evt_c'].map((id, index) => ({
    id,
    object: 'event',
    type: 'invoice.paid',
    created: now.getTime() / 1000 - 3600 * (index + 1),
    data: { object: {} },
  })) as unknown as Stripe.Event[];
  const queued: QueuedEvent[] = [];
  const counted: Record<string, number> = {};
  // Act
  const summary = await reconcile({
    stripe: {
      listEvents: async (query) => {
        queries.push(query);
        return { data: events, hasMore: false };
      },
    },
    enqueue: async (event) => {
      queued.push(event);
    },
    isDone: async (id) => id === 'evt_b',
    now: () => now,
    metrics: { count: (name, value) => Object.assign(counted, { [name]: value }) },
  });
  // Assess
  expect(queries).toEqual([
    {
      createdGte: now.getTime() / 1000 - reconcilerWindowHours * 3600,
      createdLte: now.getTime() / 1000 - reconcilerGraceMinutes * 60,
      deliverySuccess: false,
      limit: 100,
    },
  ]);
  expect(queued.map((event) => event.eventId)).toEqual(['evt_a', 'evt_c']);
  expect(summary).toMatchObject({ found: 3, alreadyDone: 1, queued: 2, failed: 0 });
  expect(counted).toEqual({ UndeliveredEvents: 3, RecoveredEvents: 2, ReconcileFailures: 0 });
});
