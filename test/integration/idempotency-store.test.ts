import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ClaimLostError, dynamoDbIdempotencyStore, eventKey } from '../../functions/consumer/idempotency-store';
import { localResourceNames } from '../../tools/local/defaults';
import { ensureIdempotencyTable, localClientConfig } from '../../tools/local/resources';
import { requireMotoEndpoint } from '../support/wait-for';

const endpoint = requireMotoEndpoint();
const client = new DynamoDBClient(localClientConfig(endpoint));
const store = dynamoDbIdempotencyStore(client, localResourceNames.idempotencyTable);
const now = 1_800_000_000;
let counter = 0;
const newId = (kind = 'evt') => `${kind}_test_store_${Date.now()}_${++counter}`;

/** Claims `eventId` at `at`, holding it for 60 s. */
function claimAt(eventId: string, at: number, payloadHash = 'hash-1') {
  return store.claim(eventId, {
    nowSeconds: at,
    inProgressUntilSeconds: at + 60,
    expiresAtSeconds: at + 30 * 86_400,
    eventType: 'invoice.paid',
    payloadHash,
  });
}
async function claimed(eventId: string, at: number, payloadHash?: string) {
  const claim = await claimAt(eventId, at, payloadHash);
  if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
  return claim;
}

beforeAll(async () => {
  await ensureIdempotencyTable(client);
});
afterAll(() => client.destroy());

describe('dynamoDbIdempotencyStore on DynamoDB (moto)', () => {
  it('claims an event once; a second claim sees it in progress', async () => {
    // Prepare
    const eventId = newId();
    // Act
    const first = await claimAt(eventId, now);
    const second = await claimAt(eventId, now + 1);
    // Assess
    expect(first).toMatchObject({ status: 'claimed', firstPayloadHash: 'hash-1' });
    expect(second).toEqual({ status: 'in_progress', untilSeconds: now + 60, firstPayloadHash: 'hash-1' });
  });

  it('reports a completed event as done and keeps it until its TTL', async () => {
    // Prepare
    const eventId = newId();
    const claim = await claimed(eventId, now);
    // Act
    await store.complete(eventId, claim.token, { nowSeconds: now + 2, expiresAtSeconds: now + 30 * 86_400 });
    const again = await claimAt(eventId, now + 999_999, 'hash-2');
    const item = await client.send(
      new GetItemCommand({ TableName: localResourceNames.idempotencyTable, Key: { pk: { S: eventKey(eventId) } } }),
    );
    // Assess: done, and the hash it was first seen with is reported for the anomaly check
    expect(again).toEqual({ status: 'already_done', firstPayloadHash: 'hash-1' });
    expect(item.Item?.status?.S).toBe('COMPLETED');
    expect(item.Item?.expiresAt?.N).toBe(String(now + 30 * 86_400));
  });

  it('lets a new attempt take over a dead claim, with the steps the dead one completed', async () => {
    // Prepare
    const eventId = newId();
    const crashed = await claimed(eventId, now);
    await store.recordStep(eventId, crashed.token, 'email:a@example.com', {
      reference: 'ses-message-1',
      atSeconds: now + 1,
    });
    // Act
    const takeover = await claimed(eventId, now + 61);
    // Assess: the step is handed over, and the dead attempt can neither record nor complete any more
    expect([...takeover.completedSteps]).toEqual([
      ['email:a@example.com', { reference: 'ses-message-1', atSeconds: now + 1 }],
    ]);
    await expect(
      store.recordStep(eventId, crashed.token, 'email:b@example.com', { atSeconds: now + 62 }),
    ).rejects.toThrow(ClaimLostError);
    await expect(
      store.complete(eventId, crashed.token, { nowSeconds: now + 62, expiresAtSeconds: now + 99 }),
    ).rejects.toThrow(ClaimLostError);
  });

  it('frees a released claim at once, only for its holder, and keeps its steps', async () => {
    // Prepare
    const eventId = newId();
    const claim = await claimed(eventId, now);
    await store.recordStep(eventId, claim.token, 'receipt', { reference: 'ses-message-2', atSeconds: now });
    // Act
    await store.release(eventId, 'someone-elses-token');
    const stillHeld = await claimAt(eventId, now + 1);
    await store.release(eventId, claim.token);
    const reclaimed = await claimed(eventId, now + 2);
    // Assess
    expect(stillHeld.status).toBe('in_progress');
    expect(reclaimed.completedSteps.get('receipt')).toEqual({ reference: 'ses-message-2', atSeconds: now });
  });

  it('keeps the payload hash of the first claim', async () => {
    // Prepare
    const eventId = newId();
    const first = await claimed(eventId, now, 'hash-first');
    await store.release(eventId, first.token);
    // Act
    const second = await claimed(eventId, now + 1, 'hash-other');
    // Assess
    expect(second.firstPayloadHash).toBe('hash-first');
  });

  it('remembers the newest event applied to an object and refuses to go back', async () => {
    // Prepare
    const objectId = newId('in');
    // Act
    const before = await store.lastApplied(objectId);
    const newer = await store.markApplied(objectId, now + 10, 'evt_newer', now + 99);
    const older = await store.markApplied(objectId, now + 5, 'evt_older', now + 99);
    const same = await store.markApplied(objectId, now + 10, 'evt_same_second', now + 99);
    // Assess
    expect(before).toBeUndefined();
    expect([newer, older, same]).toEqual([true, false, true]);
    expect(await store.lastApplied(objectId)).toBe(now + 10);
  });
});
