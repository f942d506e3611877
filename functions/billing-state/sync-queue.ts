/**
 * The "sync this customer" requests: what a billing handler puts on the sync queue instead of syncing
 * at once, so that the 8 to 12 events one checkout produces within two seconds cost one sync, not ten.
 * The request waits on the queue until the burst it belongs to is over; then the first one to run
 * syncs, and the rest find a state fetched after their event and make no call (`syncCustomer`).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { freshnessMarginSeconds, type SyncRequest } from './sync-customer';

/**
 * Seconds a request waits after its event was created, by default: the ~2 s a checkout's events are
 * spread over, plus {@link freshnessMarginSeconds}, plus 1 s for `created` being whole seconds. A sync
 * started then is fresh for every event of the burst. Measured in `npm run bench` (bench/billing-sync.ts).
 */
export const defaultSyncDelaySeconds = 2 + freshnessMarginSeconds + 1;

/** SQS's longest per-message delay. */
export const maxSyncDelaySeconds = 900;

export interface BillingSyncQueue {
  /** Queues the request, visible when its event's burst is over (at once for an event already that old). */
  request(request: SyncRequest): Promise<void>;
}

/**
 * The wait that puts the sync {@link delaySeconds} after the event was created: none for an event
 * that old already (a late retry, a replay), so that latency is only paid where coalescing gains.
 */
export function syncDelayFor(eventCreated: number | undefined, nowMs: number, delaySeconds: number): number {
  if (eventCreated === undefined) return 0;
  const wait = Math.ceil(eventCreated + delaySeconds - nowMs / 1000);
  return Math.min(Math.max(wait, 0), delaySeconds, maxSyncDelaySeconds);
}

export function sqsBillingSyncQueue(
  client: SQSClient,
  queueUrl: string,
  options: { readonly delaySeconds: number; readonly now: () => Date },
): BillingSyncQueue {
  return {
    async request(request) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(request),
          DelaySeconds: syncDelayFor(request.eventCreated, options.now().getTime(), options.delaySeconds),
        }),
      );
    },
  };
}

export class MalformedSyncRequestError extends Error {
  constructor(problem: string) {
    super(
      `A message on the billing sync queue is not a sync request (${problem}): expected JSON like {"customerId":"cus_...","account":null,"eventId":"evt_...","eventCreated":1700000000}. Only the pipeline's billing handlers send to this queue.`,
    );
    this.name = 'MalformedSyncRequestError';
  }
}

const idPattern = /^[A-Za-z0-9_]{1,255}$/;

/** Reads a request from a message body, checking every field. */
export function parseSyncRequest(body: string): SyncRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedSyncRequestError('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedSyncRequestError('not an object');
  }
  const { customerId, account, eventId, eventCreated } = value as Record<string, unknown>;
  if (typeof customerId !== 'string' || !idPattern.test(customerId)) {
    throw new MalformedSyncRequestError('customerId is not a Stripe id');
  }
  if (account !== null && account !== undefined && (typeof account !== 'string' || !idPattern.test(account))) {
    throw new MalformedSyncRequestError('account is neither null nor an account id');
  }
  if (eventId !== null && eventId !== undefined && (typeof eventId !== 'string' || !idPattern.test(eventId))) {
    throw new MalformedSyncRequestError('eventId is neither null nor an event id');
  }
  if (eventCreated !== undefined && (typeof eventCreated !== 'number' || !Number.isFinite(eventCreated))) {
    throw new MalformedSyncRequestError('eventCreated is not a number of seconds');
  }
  return {
    customerId,
    account: typeof account === 'string' ? account : null,
    eventId: typeof eventId === 'string' ? eventId : null,
    ...(eventCreated === undefined ? {} : { eventCreated }),
  };
}
