import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

export type ClaimResult =
  | { readonly status: 'claimed'; readonly token: string }
  | { readonly status: 'already_done' }
  | { readonly status: 'in_progress'; readonly untilSeconds: number };

export interface IdempotencyStore {
  /** Claims the event for this attempt unless it is done, or claimed by an attempt that may still be alive. */
  claim(
    eventId: string,
    options: { readonly nowSeconds: number; readonly inProgressUntilSeconds: number; readonly eventType: string },
  ): Promise<ClaimResult>;
  /** Marks the event done; remembered until `expiresAtSeconds` (the table's TTL). */
  complete(
    eventId: string,
    token: string,
    options: { readonly nowSeconds: number; readonly expiresAtSeconds: number },
  ): Promise<void>;
  /** Frees a claim after a failed attempt so that the retry can run at once. */
  release(eventId: string, token: string): Promise<void>;
}

export class ClaimLostError extends Error {
  constructor(eventId: string) {
    super(
      `The claim on ${eventId} expired before the attempt finished and another attempt took it over. ` +
        'Raise the consumer timeout or the in-progress expiry if handlers legitimately run this long.',
    );
    this.name = 'ClaimLostError';
  }
}

const IN_PROGRESS = 'IN_PROGRESS';
const COMPLETED = 'COMPLETED';

export const eventKey = (eventId: string): string => `event#${eventId}`;

/**
 * The idempotency table: one item per Stripe event id, claimed with a conditional write. An
 * in-progress claim carries an expiry so that a crashed attempt cannot block the event for ever;
 * done items live until their TTL.
 */
export function dynamoDbIdempotencyStore(client: DynamoDBClient, tableName: string): IdempotencyStore {
  return {
    async claim(eventId, { nowSeconds, inProgressUntilSeconds, eventType }) {
      const token = randomUUID();
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: eventKey(eventId) },
              status: { S: IN_PROGRESS },
              eventType: { S: eventType },
              claimToken: { S: token },
              inProgressUntil: { N: String(inProgressUntilSeconds) },
              // If nothing ever completes or releases the claim, TTL still removes the item in a day.
              expiresAt: { N: String(inProgressUntilSeconds + 86_400) },
            },
            ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND inProgressUntil < :now)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inProgress': { S: IN_PROGRESS }, ':now': { N: String(nowSeconds) } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { status: 'claimed', token };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const existing = error.Item;
        if (existing?.status?.S === COMPLETED) return { status: 'already_done' };
        return { status: 'in_progress', untilSeconds: Number(existing?.inProgressUntil?.N ?? 0) };
      }
    },

    async complete(eventId, token, { nowSeconds, expiresAtSeconds }) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: eventKey(eventId) } },
            UpdateExpression:
              'SET #status = :completed, completedAt = :now, expiresAt = :expiresAt REMOVE inProgressUntil',
            ConditionExpression: 'claimToken = :token',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':completed': { S: COMPLETED },
              ':now': { N: String(nowSeconds) },
              ':expiresAt': { N: String(expiresAtSeconds) },
              ':token': { S: token },
            },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new ClaimLostError(eventId);
        throw error;
      }
    },

    async release(eventId, token) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { pk: { S: eventKey(eventId) } },
            ConditionExpression: 'claimToken = :token AND #status = :inProgress',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':token': { S: token }, ':inProgress': { S: IN_PROGRESS } },
          }),
        );
      } catch (error) {
        // Someone else holds the claim now: it is theirs to complete or release.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
