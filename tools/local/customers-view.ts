/**
 * The billing state table of the local pipeline, for the console's Customers view: every stored state,
 * one customer's, and "Sync now", which syncs through the very service the sync function uses (the
 * same table, the fake Stripe API, the same guards), as the app's success page would.
 */
import { type DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { BillingState } from '../../functions/billing-state/billing-state';
import type { BillingStateAccess } from '../../functions/billing-state/billing-state-service';
import { dynamoDbBillingStateStore } from '../../functions/billing-state/billing-state-store';
import type { SyncOutcome } from '../../functions/billing-state/sync-customer';

export interface LocalCustomers {
  /** Every stored state, all pages of the scan, the latest synced first. */
  list(): Promise<BillingState[]>;
  /** The stored state of the customer, or undefined when it was never synced. */
  get(customerId: string, account: string | null): Promise<BillingState | undefined>;
  /** Syncs the customer from Stripe's API now, whatever is stored (no event asked). */
  syncNow(customerId: string, account: string | null): Promise<SyncOutcome>;
}

/** The billing state table is gone (deleted by hand, or the emulator restarted): say what to do. */
export class BillingStateTableMissingError extends Error {
  constructor(readonly tableName: string) {
    super(`The billing state table ${tableName} does not exist in the emulator; restart \`npm start\` to create it.`);
    this.name = 'BillingStateTableMissingError';
  }
}

async function orMissing<T>(tableName: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ResourceNotFoundException) throw new BillingStateTableMissingError(tableName);
    throw error;
  }
}

export function localCustomers(options: {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly service: BillingStateAccess;
}): LocalCustomers {
  const store = dynamoDbBillingStateStore(options.dynamodb, options.tableName);
  return {
    list: () =>
      orMissing(options.tableName, async () => {
        const states: BillingState[] = [];
        let startKey: string | undefined;
        do {
          const page = await store.list(startKey === undefined ? {} : { startKey });
          states.push(...page.states);
          startKey = page.nextKey;
        } while (startKey !== undefined);
        return states.sort((a, b) => b.syncedAt.localeCompare(a.syncedAt));
      }),
    get: (customerId, account) =>
      orMissing(options.tableName, async () => (await store.get(customerId, account))?.state),
    syncNow: (customerId, account) =>
      orMissing(options.tableName, () => options.service.syncCustomer(customerId, { account })),
  };
}
