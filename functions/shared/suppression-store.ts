/**
 * The addresses the pipeline must not email again: recipients whose mail server said they do not exist
 * (permanent bounces) and recipients who marked an email as spam (complaints). The SES events function
 * writes them; the consumer reads them before every send. One DynamoDB item per address, keyed as
 * `suppressionTableSchema` says, never expiring: deleting the item is the erasure (and the way back).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { suppressionTableSchema } from '../../config/contract';

export type SuppressionReason = 'bounce' | 'complaint';

export interface SuppressionEntry {
  /** The recipient address, as {@link normalizeAddress} gives it. */
  readonly address: string;
  readonly reason: SuppressionReason;
  /** What SES said: the bounce sub-type (`General`, `NoEmail`, ...) or the complaint feedback type (`abuse`, ...). */
  readonly detail: string;
  /** Epoch seconds of the bounce or complaint. */
  readonly atSeconds: number;
  /** SES's message id of the email that bounced or was complained about. */
  readonly messageId?: string;
}

export interface SuppressionStore {
  find(address: string): Promise<SuppressionEntry | undefined>;
  suppress(entry: SuppressionEntry): Promise<void>;
}

/**
 * The key of an address: trimmed and lower-cased, nothing more. Mail servers may treat `+label`s and dots
 * as the same mailbox, but SES reports the address it delivered to, so that is the one to suppress; and
 * the domain part is case-insensitive while SES itself matches its suppression list case-insensitively.
 */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

const attribute = { reason: 'reason', detail: 'detail', atSeconds: 'atSeconds', messageId: 'messageId' } as const;

/** Reads one item of the suppression table (also for the local console's list). */
export function entryOf(item: Record<string, AttributeValue>): SuppressionEntry | undefined {
  const address = item[suppressionTableSchema.partitionKey]?.S;
  if (address === undefined) return undefined;
  const messageId = item[attribute.messageId]?.S;
  return {
    address,
    // An item an operator added by hand may carry no reason: its presence alone suppresses the address.
    reason: item[attribute.reason]?.S === 'complaint' ? 'complaint' : 'bounce',
    detail: item[attribute.detail]?.S ?? 'unspecified',
    atSeconds: Number(item[attribute.atSeconds]?.N ?? 0),
    ...(messageId === undefined ? {} : { messageId }),
  };
}

/** The suppression table in DynamoDB. The consumer needs only `dynamodb:GetItem`, the SES events function only `dynamodb:PutItem`. */
export function dynamoDbSuppressionStore(client: DynamoDBClient, tableName: string): SuppressionStore {
  return {
    async find(address) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [suppressionTableSchema.partitionKey]: { S: normalizeAddress(address) } },
        }),
      );
      return Item === undefined ? undefined : entryOf(Item);
    },
    async suppress(entry) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [suppressionTableSchema.partitionKey]: { S: normalizeAddress(entry.address) },
              [attribute.reason]: { S: entry.reason },
              [attribute.detail]: { S: entry.detail },
              [attribute.atSeconds]: { N: String(entry.atSeconds) },
              ...(entry.messageId === undefined ? {} : { [attribute.messageId]: { S: entry.messageId } }),
            },
            // A complaint is the stronger reason (and the one to answer with when someone asks why they get
            // no email), so a later bounce of the same address does not replace it.
            ConditionExpression: 'attribute_not_exists(#reason) OR #reason <> :complaint OR :reason = :complaint',
            ExpressionAttributeNames: { '#reason': attribute.reason },
            ExpressionAttributeValues: { ':complaint': { S: 'complaint' }, ':reason': { S: entry.reason } },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return; // already suppressed for a complaint
        throw error;
      }
    },
  };
}
