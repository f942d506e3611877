/**
 * Replay: pages through Stripe's Events API over a window and puts on the event queue, in the receiver's
 * message shape, every event the consumer has not already done. For recovery after an outage longer than
 * Stripe's retries (about 3 days in live mode), run by hand (`npm run stripe:replay`) or on a schedule
 * (the reconciler). Pure: Stripe, the queue, the idempotency check and the clock are arguments.
 *
 * - Only the events the pipeline would have queued: types no handler subscribes to are counted and skipped,
 *   as the receiver acknowledges them.
 * - "Already done" is the consumer's own record (the idempotency table); an event in progress or failed is
 *   queued again, which is safe, since the consumer claims each id before it acts.
 * - More than 20 types are listed 20 at a time (Stripe's limit on `types[]`).
 * - Thin events (API v2, `v1.billing.meter.error_report_triggered` and the like) are listed from
 *   `GET /v2/core/events` when `thinTypes` asks for them, and queued as the notification a destination
 *   posts (without the `data` a listing may carry). API v2 keeps no delivery status, so
 *   `undeliveredOnly` cannot narrow them: every thin event in the window is checked against the table.
 * - A failed enqueue or check is counted, named in the summary, and does not stop the others.
 */

import type { QueuedEvent } from '../receiver/receive-webhook';
import type { StripeAdminApi } from '../shared/stripe-api/admin';
import { type ReplayWindow, replayWindow } from './replay-window';

export interface ReplayRequest {
  readonly since: Date;
  /** @default now */
  readonly until?: Date;
  /** Exact types to list; all types when empty or absent. */
  readonly types?: readonly string[];
  /** Only events whose delivery has not succeeded (Stripe's `delivery_success=false`); snapshot events only. */
  readonly undeliveredOnly?: boolean;
  /**
   * Thin event types to list from API v2 as well (`*` or a prefix such as `v1.billing.meter.*`: every
   * thin type, filtered by `isSubscribed`). None: no v2 listing.
   */
  readonly thinTypes?: readonly string[];
  /** Snapshot events: `false` lists only the thin types. @default true */
  readonly snapshots?: boolean;
  /** Check and count, queue nothing. */
  readonly dryRun?: boolean;
}

export interface ReplayProgress {
  readonly pages: number;
  readonly found: number;
  readonly alreadyDone: number;
  readonly queued: number;
  readonly failed: number;
  readonly notSubscribed: number;
  /** 0 to 1: how far back through the window the listing is (Stripe lists newest first). */
  readonly fraction: number;
}

export interface ReplaySummary extends Omit<ReplayProgress, 'fraction'> {
  readonly window: ReplayWindow;
  readonly dryRun: boolean;
  /** Why each failed event failed (its id and the error's message). */
  readonly failures: ReadonlyArray<{ readonly eventId: string; readonly error: string }>;
}

export interface ReplayDependencies {
  readonly stripe: Pick<StripeAdminApi, 'listEvents'> & Partial<Pick<StripeAdminApi, 'listThinEvents'>>;
  /** Puts one event on the queue in the receiver's shape (with the replay marker); resolves once accepted. */
  readonly enqueue: (event: QueuedEvent) => Promise<void>;
  /** Whether the consumer has already done the event (the idempotency table says so). */
  readonly isDone: (eventId: string) => Promise<boolean>;
  /** @default every type is queued */
  readonly isSubscribed?: (eventType: string) => boolean;
  readonly now: () => Date;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Events checked and queued at once within a page. @default 8 */
  readonly concurrency?: number;
}

/** Stripe's limit on `types[]` in one list call. */
export const maxTypesPerList = 20;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A thin event as its destination posts it: the notification, without the `data` a listing may carry. */
function thinNotification(event: Record<string, unknown>): Record<string, unknown> {
  const { data: _data, ...notification } = event;
  return notification;
}

/** Why thin events could not be replayed: the Stripe port given has no API v2 listing. */
export class ThinReplayUnavailableError extends Error {
  constructor() {
    super('Thin event types were asked for, but the Stripe API given cannot list API v2 events (listThinEvents).');
    this.name = 'ThinReplayUnavailableError';
  }
}

export async function replayEvents(request: ReplayRequest, deps: ReplayDependencies): Promise<ReplaySummary> {
  const window = replayWindow(request.since, request.until, deps.now());
  const dryRun = request.dryRun ?? false;
  const isSubscribed = deps.isSubscribed ?? (() => true);
  const concurrency = Math.max(1, deps.concurrency ?? 8);
  const counts = { pages: 0, found: 0, alreadyDone: 0, queued: 0, failed: 0, notSubscribed: 0 };
  const failures: Array<{ eventId: string; error: string }> = [];
  const seen = new Set<string>();
  const span = Math.max(1, window.untilSeconds - window.sinceSeconds);
  const typeGroups =
    request.snapshots === false
      ? []
      : request.types === undefined || request.types.length === 0
        ? [undefined]
        : chunks(request.types, maxTypesPerList);
  const thinTypes = request.thinTypes ?? [];
  // A pattern cannot be a v2 `types` filter: then every thin type is listed and isSubscribed picks.
  const thinGroups =
    thinTypes.length === 0
      ? []
      : thinTypes.some((type) => type.includes('*'))
        ? [undefined]
        : chunks(thinTypes, maxTypesPerList);
  const listThinEvents = deps.stripe.listThinEvents;
  if (thinGroups.length > 0 && listThinEvents === undefined) throw new ThinReplayUnavailableError();
  const groups = typeGroups.length + thinGroups.length;

  /** Counts a page's events once each, skips types nothing subscribes to, and handles the rest. */
  const handlePage = async (
    events: ReadonlyArray<{ id: string; type: string; [key: string]: unknown }>,
    payload: 'snapshot' | 'thin',
  ): Promise<void> => {
    counts.pages += 1;
    const fresh = events.filter((event) => {
      // Within one listing Stripe's cursor never repeats; across type groups an event cannot repeat either,
      // but a page boundary shifting under new events could: count each id once.
      if (seen.has(event.id)) return false;
      seen.add(event.id);
      return true;
    });
    counts.found += fresh.length;
    const wanted = fresh.filter((event) => {
      if (isSubscribed(event.type)) return true;
      counts.notSubscribed += 1;
      return false;
    });
    for (const batch of chunks(wanted, concurrency)) {
      await Promise.all(batch.map((event) => handle(event, payload)));
    }
  };

  const handle = async (
    event: { id: string; type: string; [key: string]: unknown },
    payload: 'snapshot' | 'thin',
  ): Promise<void> => {
    try {
      if (await deps.isDone(event.id)) {
        counts.alreadyDone += 1;
        return;
      }
      if (!dryRun) {
        await deps.enqueue({
          body: JSON.stringify(payload === 'thin' ? thinNotification(event) : event),
          eventId: event.id,
          eventType: event.type,
          payload,
          receivedAt: deps.now().toISOString(),
        });
      }
      counts.queued += 1;
    } catch (error) {
      counts.failed += 1;
      failures.push({ eventId: event.id, error: message(error) });
    }
  };

  for (const [groupIndex, types] of typeGroups.entries()) {
    let startingAfter: string | undefined;
    for (;;) {
      const page = await deps.stripe.listEvents({
        createdGte: window.sinceSeconds,
        createdLte: window.untilSeconds,
        ...(types === undefined ? {} : { types }),
        ...(request.undeliveredOnly ? { deliverySuccess: false } : {}),
        ...(startingAfter === undefined ? {} : { startingAfter }),
        limit: 100,
      });
      await handlePage(page.data as unknown as Array<{ id: string; type: string }>, 'snapshot');
      const oldest = page.data.at(-1);
      const reached = oldest === undefined ? 1 : (window.untilSeconds - oldest.created) / span;
      deps.onProgress?.({ ...counts, fraction: (groupIndex + (page.hasMore ? Math.min(reached, 1) : 1)) / groups });
      startingAfter = oldest?.id;
      if (!page.hasMore || startingAfter === undefined) break;
    }
  }
  for (const [thinIndex, types] of thinGroups.entries()) {
    const groupIndex = typeGroups.length + thinIndex;
    let nextPage: string | undefined;
    for (;;) {
      const page = await listThinEvents?.({
        createdGte: window.sinceSeconds,
        createdLte: window.untilSeconds,
        ...(types === undefined ? {} : { types }),
        ...(nextPage === undefined ? {} : { page: nextPage }),
      });
      if (page === undefined) break;
      await handlePage(page.data, 'thin');
      const oldest = page.data.at(-1);
      const reached = oldest === undefined ? 1 : (window.untilSeconds - Date.parse(oldest.created) / 1000) / span;
      nextPage = page.nextPage;
      deps.onProgress?.({
        ...counts,
        fraction: (groupIndex + (nextPage === undefined ? 1 : Math.min(reached, 1))) / groups,
      });
      if (nextPage === undefined) break;
    }
  }
  return { ...counts, window, dryRun, failures };
}
