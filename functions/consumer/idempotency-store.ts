import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { idempotencyTableSchema } from '../../config/contract';

/** A side effect that already happened for an event (an email SES accepted, a write, ...). */
export interface StepRecord {
  /** What identifies the effect outside, e.g. SES's message id. */
  readonly reference?: string;
  readonly atSeconds: number;
}

export type ClaimResult =
  | {
      readonly status: 'claimed';
      readonly token: string;
      /** Steps an earlier, failed attempt already completed: they must not run again. */
      readonly completedSteps: ReadonlyMap<string, StepRecord>;
      /** The payload hash the event id was first claimed with. */
      readonly firstPayloadHash: string;
    }
  | { readonly status: 'already_done'; readonly firstPayloadHash: string | undefined }
  | { readonly status: 'in_progress'; readonly untilSeconds: number; readonly firstPayloadHash: string | undefined };

export interface ClaimOptions {
  readonly nowSeconds: number;
  /** Until when this attempt holds the claim; past it the attempt is presumed dead. */
  readonly inProgressUntilSeconds: number;
  /** When the table may forget the event (its TTL), also if it never completes. */
  readonly expiresAtSeconds: number;
  readonly eventType: string;
  readonly payloadHash: string;
}

export interface IdempotencyStore {
  /** Claims the event for this attempt unless it is done, or claimed by an attempt that may still be alive. */
  claim(eventId: string, options: ClaimOptions): Promise<ClaimResult>;
  /**
   * Records a completed step right after its side effect, under the claim: an attempt that lost its
   * claim cannot record (it gets a ClaimLostError).
   */
  recordStep(eventId: string, token: string, stepKey: string, record: StepRecord): Promise<void>;
  /** Marks the event done; remembered until `expiresAtSeconds` (the table's TTL). */
  complete(
    eventId: string,
    token: string,
    options: { readonly nowSeconds: number; readonly expiresAtSeconds: number },
  ): Promise<void>;
  /** Frees the claim after a failed attempt so that the retry can run at once; recorded steps are kept. */
  release(eventId: string, token: string): Promise<void>;
  /** The `created` time of the newest event applied to an object, for the in-order guard. */
  lastApplied(objectId: string): Promise<number | undefined>;
  /** Records that an event created at `createdSeconds` was applied, unless a newer one was; false if one was. */
  markApplied(objectId: string, createdSeconds: number, eventId: string, expiresAtSeconds: number): Promise<boolean>;
}

export class ClaimLostError extends Error {
  constructor(eventId: string) {
    super(
      `The claim on ${eventId} expired before the attempt finished and another attempt took it over. ` +
        'Raise the consumer timeout if handlers legitimately run this long.',
    );
    this.name = 'ClaimLostError';
  }
}

/** The `status` of an event's item once it is done; `npm run smoke` waits for it. */
export const completedStatus = 'COMPLETED';
const IN_PROGRESS = 'IN_PROGRESS';
const RELEASED = 'RELEASED';
const COMPLETED = completedStatus;

export const eventKey = (eventId: string): string => `event#${eventId}`;
export const objectKey = (objectId: string): string => `object#${objectId}`;

const { partitionKey, timeToLiveAttribute } = idempotencyTableSchema;
const keyOf = (value: string): Record<string, AttributeValue> => ({ [partitionKey]: { S: value } });
/** The key and TTL attribute names, as the table defines them, for the expressions below (`#pk`, `#ttl`). */
const schemaNames = { '#pk': partitionKey, '#ttl': timeToLiveAttribute } as const;

function stepsOf(item: Record<string, AttributeValue> | undefined): Map<string, StepRecord> {
  const steps = new Map<string, StepRecord>();
  for (const [key, value] of Object.entries(item?.steps?.M ?? {})) {
    const reference = value.M?.reference?.S;
    steps.set(key, { atSeconds: Number(value.M?.atSeconds?.N ?? 0), ...(reference ? { reference } : {}) });
  }
  return steps;
}

/**
 * The idempotency table: one item per Stripe event id (`event#<id>`) holding the claim, the hash of
 * the payload it was first claimed with, and the steps (side effects) already done; plus, for the
 * in-order guard, one item per object (`object#<id>`). A claim is a conditional upsert, so a
 * released claim keeps the steps an earlier attempt completed.
 */
export function dynamoDbIdempotencyStore(client: DynamoDBClient, tableName: string): IdempotencyStore {
  async function conditional<T>(
    send: () => Promise<T>,
    onConditionFailed: (error: ConditionalCheckFailedException) => T,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return onConditionFailed(error);
      throw error;
    }
  }

  /**
   * Updates the event's item only if `token` still holds its claim; `false` if it does not (the
   * claim expired and another attempt took it, or it was completed or released).
   */
  function updateIfHeld(
    eventId: string,
    token: string,
    update: string,
    names: Record<string, string>,
    values: Record<string, AttributeValue>,
  ): Promise<boolean> {
    return conditional(
      async () => {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(eventKey(eventId)),
            UpdateExpression: update,
            ConditionExpression: 'claimToken = :token AND #status = :inProgress',
            ExpressionAttributeNames: { '#status': 'status', ...names },
            ExpressionAttributeValues: { ':token': { S: token }, ':inProgress': { S: IN_PROGRESS }, ...values },
          }),
        );
        return true;
      },
      () => false,
    );
  }

  return {
    async claim(eventId, options) {
      const token = randomUUID();
      return conditional<ClaimResult>(
        async () => {
          const { Attributes } = await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: keyOf(eventKey(eventId)),
              UpdateExpression:
                'SET #status = :inProgress, claimToken = :token, inProgressUntil = :until, eventType = :type, ' +
                '#ttl = :expiresAt, payloadHash = if_not_exists(payloadHash, :hash), steps = if_not_exists(steps, :noSteps)',
              ConditionExpression:
                'attribute_not_exists(#pk) OR #status = :released OR (#status = :inProgress AND inProgressUntil < :now)',
              ExpressionAttributeNames: { '#status': 'status', ...schemaNames },
              ExpressionAttributeValues: {
                ':inProgress': { S: IN_PROGRESS },
                ':released': { S: RELEASED },
                ':token': { S: token },
                ':until': { N: String(options.inProgressUntilSeconds) },
                ':type': { S: options.eventType },
                ':expiresAt': { N: String(options.expiresAtSeconds) },
                ':hash': { S: options.payloadHash },
                ':noSteps': { M: {} },
                ':now': { N: String(options.nowSeconds) },
              },
              ReturnValues: 'ALL_NEW',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          return {
            status: 'claimed',
            token,
            completedSteps: stepsOf(Attributes),
            firstPayloadHash: Attributes?.payloadHash?.S ?? options.payloadHash,
          };
        },
        (error) => {
          const existing = error.Item;
          const firstPayloadHash = existing?.payloadHash?.S;
          if (existing?.status?.S === COMPLETED) return { status: 'already_done', firstPayloadHash };
          return { status: 'in_progress', untilSeconds: Number(existing?.inProgressUntil?.N ?? 0), firstPayloadHash };
        },
      );
    },

    async recordStep(eventId, token, stepKey, record) {
      const value: Record<string, AttributeValue> = { atSeconds: { N: String(record.atSeconds) } };
      if (record.reference) value.reference = { S: record.reference };
      if (
        !(await updateIfHeld(
          eventId,
          token,
          'SET steps.#step = :record',
          { '#step': stepKey },
          { ':record': { M: value } },
        ))
      ) {
        throw new ClaimLostError(eventId);
      }
    },

    async complete(eventId, token, { nowSeconds, expiresAtSeconds }) {
      const completed = await updateIfHeld(
        eventId,
        token,
        'SET #status = :completed, completedAt = :now, #ttl = :expiresAt REMOVE inProgressUntil, claimToken',
        { '#ttl': timeToLiveAttribute },
        {
          ':completed': { S: COMPLETED },
          ':now': { N: String(nowSeconds) },
          ':expiresAt': { N: String(expiresAtSeconds) },
        },
      );
      if (!completed) throw new ClaimLostError(eventId);
    },

    async release(eventId, token) {
      // Not held any more: someone else holds the claim now, and it is theirs to complete or release.
      await updateIfHeld(
        eventId,
        token,
        'SET #status = :released REMOVE claimToken, inProgressUntil',
        {},
        {
          ':released': { S: RELEASED },
        },
      );
    },

    async lastApplied(objectId) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: keyOf(objectKey(objectId)), ConsistentRead: true }),
      );
      return Item?.lastCreated?.N === undefined ? undefined : Number(Item.lastCreated.N);
    },

    async markApplied(objectId, createdSeconds, eventId, expiresAtSeconds) {
      return conditional(
        async () => {
          await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: keyOf(objectKey(objectId)),
              UpdateExpression: 'SET lastCreated = :created, lastEventId = :eventId, #ttl = :expiresAt',
              ConditionExpression: 'attribute_not_exists(lastCreated) OR lastCreated <= :created',
              ExpressionAttributeNames: { '#ttl': timeToLiveAttribute },
              ExpressionAttributeValues: {
                ':created': { N: String(createdSeconds) },
                ':eventId': { S: eventId },
                ':expiresAt': { N: String(expiresAtSeconds) },
              },
            }),
          );
          return true;
        },
        () => false,
      );
    },
  };
}

/**
 * Whether the consumer has done an event (a strongly consistent read of its item): what replay checks
 * before queueing an event again. An event claimed or released is not done.
 */
export async function isEventDone(client: DynamoDBClient, tableName: string, eventId: string): Promise<boolean> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: keyOf(eventKey(eventId)),
      ConsistentRead: true,
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#status': 'status' },
    }),
  );
  return Item?.status?.S === COMPLETED;
}
