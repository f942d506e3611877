/**
 * The billing state table: one item per account and customer (`billingStateTableSchema`), holding the
 * state as JSON and, beside it, the sync's start time in epoch milliseconds (`syncedAtMs`), the one
 * attribute the "never backwards" condition compares. A state is only ever replaced by one whose sync
 * started later, whichever of two racing syncs finishes last.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { billingStateTableSchema } from '../../config/contract';
import { type BillingState, billingStateKey } from './billing-state';

export interface StoredBillingState {
  readonly state: BillingState;
  /** When the sync that wrote it started, epoch milliseconds. */
  readonly syncedAtMs: number;
}

export interface BillingStateStore {
  get(customerId: string, account: string | null): Promise<StoredBillingState | undefined>;
  /**
   * Writes the state unless one from a sync that started at the same time or later is stored:
   * `superseded` then, and nothing is written.
   */
  put(state: BillingState, syncedAtMs: number): Promise<'written' | 'superseded'>;
  /** One page of the stored states (for the local console and `stripe:sync`), in no particular order. */
  list(page?: { readonly limit?: number; readonly startKey?: string }): Promise<{
    readonly states: BillingState[];
    readonly nextKey: string | undefined;
  }>;
}

const attribute = { state: 'state', syncedAtMs: 'syncedAtMs', customerId: 'customerId', account: 'account' } as const;

export class CorruptBillingStateError extends Error {
  constructor(key: string, problem: string) {
    super(
      `The billing state item ${JSON.stringify(key)} ${problem}; it was not written by this pipeline's sync. Delete the item and sync the customer again (npm run stripe:sync -- --customer <id>).`,
    );
    this.name = 'CorruptBillingStateError';
  }
}

function storedOf(item: Record<string, AttributeValue>): StoredBillingState {
  const key = item[billingStateTableSchema.partitionKey]?.S ?? '(no key)';
  const json = item[attribute.state]?.S;
  const syncedAtMs = Number(item[attribute.syncedAtMs]?.N);
  if (json === undefined || !Number.isFinite(syncedAtMs)) throw new CorruptBillingStateError(key, 'has no state');
  try {
    return { state: JSON.parse(json) as BillingState, syncedAtMs };
  } catch {
    throw new CorruptBillingStateError(key, 'holds a state that is not JSON');
  }
}

export function dynamoDbBillingStateStore(client: DynamoDBClient, tableName: string): BillingStateStore {
  const pk = billingStateTableSchema.partitionKey;
  return {
    async get(customerId, account) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [pk]: { S: billingStateKey(customerId, account) } },
          // A sync decides on it: never an eventually consistent read of an older state.
          ConsistentRead: true,
        }),
      );
      return Item === undefined ? undefined : storedOf(Item);
    },
    async put(state, syncedAtMs) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [pk]: { S: billingStateKey(state.customerId, state.account) },
              [attribute.customerId]: { S: state.customerId },
              ...(state.account === null ? {} : { [attribute.account]: { S: state.account } }),
              [attribute.syncedAtMs]: { N: String(syncedAtMs) },
              [attribute.state]: { S: JSON.stringify(state) },
            },
            ConditionExpression: 'attribute_not_exists(#syncedAtMs) OR #syncedAtMs < :syncedAtMs',
            ExpressionAttributeNames: { '#syncedAtMs': attribute.syncedAtMs },
            ExpressionAttributeValues: { ':syncedAtMs': { N: String(syncedAtMs) } },
          }),
        );
        return 'written';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'superseded';
        throw error;
      }
    },
    async list(page = {}) {
      const answer = await client.send(
        new ScanCommand({
          TableName: tableName,
          Limit: page.limit ?? 100,
          ...(page.startKey === undefined ? {} : { ExclusiveStartKey: { [pk]: { S: page.startKey } } }),
        }),
      );
      return {
        states: (answer.Items ?? []).map((item) => storedOf(item).state),
        nextKey: answer.LastEvaluatedKey?.[pk]?.S,
      };
    },
  };
}

/** A store in memory, with the same never-backwards rule: for unit tests and the benchmark. */
export function inMemoryBillingStateStore(): BillingStateStore & { readonly items: Map<string, StoredBillingState> } {
  const items = new Map<string, StoredBillingState>();
  return {
    items,
    async get(customerId, account) {
      return structuredClone(items.get(billingStateKey(customerId, account)));
    },
    async put(state, syncedAtMs) {
      const key = billingStateKey(state.customerId, state.account);
      const stored = items.get(key);
      if (stored !== undefined && stored.syncedAtMs >= syncedAtMs) return 'superseded';
      items.set(key, { state: structuredClone(state), syncedAtMs });
      return 'written';
    },
    async list(page = {}) {
      const all = [...items.keys()].sort();
      const start = page.startKey === undefined ? 0 : all.indexOf(page.startKey) + 1;
      const keys = all.slice(start, start + (page.limit ?? 100));
      const last = keys.at(-1);
      return {
        states: keys.flatMap((key) => {
          const stored = items.get(key);
          return stored === undefined ? [] : [structuredClone(stored.state)];
        }),
        nextKey: start + keys.length < all.length ? last : undefined,
      };
    },
  };
}
