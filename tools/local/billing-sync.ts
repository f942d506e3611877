/**
 * The billing sync function of the local pipeline: the real handler (`createBillingSyncHandler`, as its
 * Lambda entry makes it) over the service the environment configures, watched so that `npm start` can
 * print one line per sync. The console's "Sync now" syncs through the same service.
 */
import { serviceNames } from '../../config/contract';
import type { BillingState } from '../../functions/billing-state/billing-state';
import type { BillingStateConfig } from '../../functions/billing-state/billing-state-config';
import type { BillingStateAccess } from '../../functions/billing-state/billing-state-service';
import { billingStateFromEnvironment } from '../../functions/billing-state/from-environment';
import type { SyncOutcome, SyncRequest } from '../../functions/billing-state/sync-customer';
import { type BillingSyncHandler, createBillingSyncHandler } from '../../functions/billing-state/sync-handler';
import { createLogger } from '../../functions/shared/logger';

/** One sync the handler ran for a request from the sync queue: what it stored, or why it failed. */
export type LocalBillingSyncReport =
  | { readonly request: SyncRequest; readonly outcome: SyncOutcome }
  | { readonly request: SyncRequest; readonly error: unknown };

export interface LocalBillingSync {
  /** The sync function's handler, for the sync queue's poller. */
  readonly handler: BillingSyncHandler;
  /** The service it syncs through: the same table, Stripe API (the fake) and access policy. */
  readonly service: BillingStateAccess;
  readonly config: BillingStateConfig;
  /** Reports every sync the handler runs; returns the unsubscribe function. */
  onSync(listener: (report: LocalBillingSyncReport) => void): () => void;
}

/** The handler and its service as the environment configures them; undefined when the feature is off. */
export function createLocalBillingSync(env: NodeJS.ProcessEnv): LocalBillingSync | undefined {
  const billing = billingStateFromEnvironment(env, {
    logger: createLogger(serviceNames.billingSync),
    // The handler publishes its own metrics; the service's counts would repeat them, and locally nobody reads them.
    metrics: { count: () => undefined },
    now: () => new Date(),
  });
  if (billing === undefined) return undefined;
  const { service, config } = billing;
  const listeners = new Set<(report: LocalBillingSyncReport) => void>();
  const report = (value: LocalBillingSyncReport) => {
    for (const listener of listeners) listener(value);
  };
  const watched: BillingStateAccess = {
    ...service,
    async runSync(request) {
      try {
        const outcome = await service.runSync(request);
        report({ request, outcome });
        return outcome;
      } catch (error) {
        report({ request, error });
        throw error;
      }
    },
  };
  return {
    handler: createBillingSyncHandler(env, { service: watched }),
    service,
    config,
    onSync(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** The state in a few words: `access yes, 1 subscription (active), 2 entitlements`. */
export function describeBillingState(state: BillingState): string {
  if (state.deleted) return 'deleted or unknown to Stripe, access no';
  const statuses = state.subscriptions.map((subscription) => subscription.status);
  return [
    `access ${state.access ? 'yes' : 'no'}`,
    `${plural(statuses.length, 'subscription')}${statuses.length > 0 ? ` (${statuses.join(', ')})` : ''}`,
    plural(state.entitlements.length, 'entitlement'),
  ].join(', ');
}

/** The terminal line of a sync's outcome, after `↻ billing sync <customer>`. */
export function describeSyncOutcome(outcome: SyncOutcome): string {
  switch (outcome.status) {
    case 'synced':
      return `synced (${describeBillingState(outcome.state)})${outcome.changed ? '' : ', unchanged'}`;
    case 'fresh':
      return 'fresh: the stored state was fetched after the event, no call to Stripe';
    case 'superseded':
      return 'superseded: a sync that started later had already stored the customer, this answer is dropped';
  }
}

/** The customer and, when it has one, the account and the event that asked: `cus_123 [evt_456]`. */
export function describeSyncRequest(request: Pick<SyncRequest, 'customerId' | 'account' | 'eventId'>): string {
  return `${request.customerId}${request.account ? ` (${request.account})` : ''}${request.eventId ? ` [${request.eventId}]` : ''}`;
}
