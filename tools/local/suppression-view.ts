/**
 * The suppression table of the local pipeline, for the console: every address the SES events handler
 * recorded (permanent bounces and complaints), and the way back, which is deleting its item, as the
 * erasure runbook in docs/deploy.md does with `aws dynamodb delete-item`.
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  paginateScan,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { suppressionTableSchema } from '../../config/contract';
import { entryOf, normalizeAddress, type SuppressionReason } from '../../functions/shared/suppression-store';

export interface LocalSuppression {
  readonly address: string;
  readonly reason: SuppressionReason;
  /** What SES said: the bounce sub-type or the complaint feedback type. */
  readonly detail: string;
  /** When SES reported the bounce or complaint (ISO); `undefined` for an item added by hand without a time. */
  readonly at: string | undefined;
  /** SES's message id of the email that bounced or was complained about, when recorded. */
  readonly messageId: string | undefined;
  /** The event whose email that was, when this pipeline sent it. */
  readonly eventId: string | undefined;
}

/** The suppression table is gone (deleted by hand, or the emulator restarted): say what to do. */
export class SuppressionTableMissingError extends Error {
  constructor(readonly tableName: string) {
    super(`The suppression table ${tableName} does not exist in the emulator; restart \`npm start\` to create it.`);
    this.name = 'SuppressionTableMissingError';
  }
}

async function orMissing<T>(tableName: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ResourceNotFoundException) throw new SuppressionTableMissingError(tableName);
    throw error;
  }
}

/**
 * Every suppressed address, newest first. `eventOfMessage` maps an SES message id to the event whose
 * email it was (the event log knows what the consumer sent).
 */
export function listSuppressions(
  dynamodb: DynamoDBClient,
  tableName: string,
  eventOfMessage: ReadonlyMap<string, string>,
): Promise<LocalSuppression[]> {
  return orMissing(tableName, async () => {
    const list: LocalSuppression[] = [];
    for await (const page of paginateScan({ client: dynamodb }, { TableName: tableName })) {
      for (const item of page.Items ?? []) {
        const entry = entryOf(item);
        if (entry === undefined) continue;
        list.push({
          address: entry.address,
          reason: entry.reason,
          detail: entry.detail,
          at: entry.atSeconds > 0 ? new Date(entry.atSeconds * 1000).toISOString() : undefined,
          messageId: entry.messageId,
          eventId: entry.messageId === undefined ? undefined : eventOfMessage.get(entry.messageId),
        });
      }
    }
    return list.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
  });
}

/** Deletes the address's item, so that the consumer emails it again; false when it was not suppressed. */
export function removeSuppression(dynamodb: DynamoDBClient, tableName: string, address: string): Promise<boolean> {
  return orMissing(tableName, async () => {
    const { Attributes } = await dynamodb.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { [suppressionTableSchema.partitionKey]: { S: normalizeAddress(address) } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  });
}
