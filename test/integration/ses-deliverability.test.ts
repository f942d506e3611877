import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { suppressionTableSchema } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { onRecordOutcome, type RecordOutcome } from '../../functions/consumer/outcome-listeners';
import { dynamoDbSuppressionStore } from '../../functions/shared/suppression-store';
import { type LocalPipeline, startLocalPipeline } from '../../tools/local/pipeline';
import { localClientConfig } from '../../tools/local/resources';
import { buildStripeEvent } from '../../tools/stripe-events';
import { localPipelineClient, sesMessagesTo } from '../support/local-pipeline-client';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

const signingSecret = 'whsec_deliverability_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
jest.setTimeout(30_000);
let pipeline: LocalPipeline;
const printed: string[] = [];
const outcomes: RecordOutcome[] = [];
const stopListening = onRecordOutcome((outcome) => outcomes.push(outcome));
const client = localPipelineClient(() => pipeline, signingSecret);

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    signingSecret,
    emulatorEndpoint: endpoint,
    settings: resolveSettings({ stage: 'local' }),
    // Its own suppression table too: another file's pipeline must not see these addresses suppressed.
    resourceNameSuffix: 'deliverability',
    print: (line) => printed.push(line),
  });
  // Erasure, as the runbook does it: an emulator reused from an earlier run may still list the address.
  await erase('bounce@simulator.amazonses.com');
});
afterAll(async () => {
  stopListening();
  await pipeline.stop();
  dynamodb.destroy();
});

const suppressions = () => dynamoDbSuppressionStore(dynamodb, pipeline.resources.suppressionTableName);

async function erase(address: string): Promise<void> {
  await dynamodb.send(
    new DeleteItemCommand({
      TableName: pipeline.resources.suppressionTableName,
      Key: { [suppressionTableSchema.partitionKey]: { S: address } },
    }),
  );
}

/** Posts an invoice.paid to `email` and waits until the consumer processed it; returns its outcome. */
async function invoicePaidTo(email: string) {
  const event = buildStripeEvent('invoice.paid', { object: { customer_email: email } });
  expect((await client.post(JSON.stringify(event))).status).toBe(200);
  await client.eventWhen(event.id, (seen) => seen.status === 'processed');
  const outcome = outcomes.find((candidate) => candidate.eventId === event.id && candidate.status === 'processed');
  if (outcome?.status !== 'processed') throw new Error(`no processed outcome for ${event.id}`);
  return outcome;
}

describe('SES deliverability through the local pipeline (moto + the SES simulator)', () => {
  it('suppresses a permanently bounced address after the first receipt, and sends it nothing more until erased', async () => {
    // Prepare
    const address = 'bounce@simulator.amazonses.com';
    // Act 1: the first receipt goes out; SES (the simulator) reports the bounce to the SES events handler
    const first = await invoicePaidTo(address);
    const entry = await waitFor(`the suppression of ${address}`, () => suppressions().find(address), 10_000);
    // Assess 1
    const sent = await sesMessagesTo(endpoint, address);
    expect(first.emails.map((email) => email.to)).toEqual([address]);
    expect(sent.map((message) => message.id)).toEqual([first.emails[0]?.messageId]);
    expect(entry).toMatchObject({ reason: 'bounce', detail: 'General', messageId: first.emails[0]?.messageId });
    // Act 2: the next receipt is processed, but not sent
    const second = await invoicePaidTo(address);
    // Assess 2
    expect(second.emails).toEqual([]);
    expect(second.unsentEmails).toEqual([
      { to: address, subject: expect.stringMatching(/^Receipt/), reason: 'suppressed' },
    ]);
    expect(await sesMessagesTo(endpoint, address)).toHaveLength(1);
    expect(printed).toContainEqual(expect.stringContaining(`⊘ ${address} suppressed: bounce (General)`));
    expect(printed).toContainEqual(expect.stringContaining(`email to ${address} not sent: suppressed`));
    // Act 3: erased from the list (deleting the item), the address gets email again
    await erase(address);
    const third = await invoicePaidTo(address);
    // Assess 3
    expect(third.emails.map((email) => email.to)).toEqual([address]);
    expect(await sesMessagesTo(endpoint, address)).toHaveLength(2);
  });

  it('suppresses an address that complained (a +label address, kept as it is) and sends it nothing more', async () => {
    // Prepare: a fresh label, so that a reused emulator has never seen the address
    const address = `complaint+${randomUUID().slice(0, 8)}@simulator.amazonses.com`;
    // Act
    const first = await invoicePaidTo(address);
    const entry = await waitFor(`the suppression of ${address}`, () => suppressions().find(address), 10_000);
    const second = await invoicePaidTo(address);
    // Assess
    expect(first.emails.map((email) => email.to)).toEqual([address]);
    expect(entry).toMatchObject({ address, reason: 'complaint', detail: 'abuse' });
    expect(await suppressions().find('complaint@simulator.amazonses.com')).toBeUndefined();
    expect(second.emails).toEqual([]);
    expect(second.unsentEmails).toEqual([expect.objectContaining({ to: address, reason: 'suppressed' })]);
    expect(await sesMessagesTo(endpoint, address)).toHaveLength(1);
  });

  it('leaves an ordinary address alone', async () => {
    // Prepare
    const address = `ordinary.${randomUUID().slice(0, 8)}@example.com`;
    // Act
    await invoicePaidTo(address);
    const second = await invoicePaidTo(address);
    // Assess
    expect(second.emails.map((email) => email.to)).toEqual([address]);
    expect(await suppressions().find(address)).toBeUndefined();
  });
});
