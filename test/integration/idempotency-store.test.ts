import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { localResourceNames } from '../../config/local-defaults';
import { ClaimLostError, dynamoDbIdempotencyStore, eventKey } from '../../functions/consumer/idempotency-store';
import { ensureIdempotencyTable, localClientConfig } from '../../tools/local/resources';
import { requireMotoEndpoint } from '../support/wait-for';

const endpoint = requireMotoEndpoint();
const client = new DynamoDBClient(localClientConfig(endpoint));
const store = dynamoDbIdempotencyStore(client, localResourceNames.idempotencyTable);
const now = 1_800_000_000;
let counter = 0;
const newEventId = () => `evt_test_store_${Date.now()}_${++counter}`;

beforeAll(async () => {
  await ensureIdempotencyTable(client);
});
afterAll(() => client.destroy());

describe('dynamoDbIdempotencyStore on DynamoDB (moto)', () => {
  it('claims an event once; a second claim sees it in progress', async () => {
    // Prepare
    const eventId = newEventId();
    // Act
    const first = await store.claim(eventId, {
      nowSeconds: now,
      inProgressUntilSeconds: now + 60,
      eventType: 'invoice.paid',
    });
    const second = await store.claim(eventId, {
      nowSeconds: now + 1,
      inProgressUntilSeconds: now + 61,
      eventType: 'invoice.paid',
    });
    // Assess
    expect(first.status).toBe('claimed');
    expect(second).toEqual({ status: 'in_progress', untilSeconds: now + 60 });
  });

  it('reports a completed event as done and keeps it until its TTL', async () => {
    // Prepare
    const eventId = newEventId();
    const claim = await store.claim(eventId, {
      nowSeconds: now,
      inProgressUntilSeconds: now + 60,
      eventType: 'invoice.paid',
    });
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    // Act
    await store.complete(eventId, claim.token, { nowSeconds: now + 2, expiresAtSeconds: now + 30 * 86_400 });
    const again = await store.claim(eventId, {
      nowSeconds: now + 999_999,
      inProgressUntilSeconds: now + 1_000_059,
      eventType: 'invoice.paid',
    });
    const item = await client.send(
      new GetItemCommand({ TableName: localResourceNames.idempotencyTable, Key: { pk: { S: eventKey(eventId) } } }),
    );
    // Assess
    expect(again).toEqual({ status: 'already_done' });
    expect(item.Item?.status?.S).toBe('COMPLETED');
    expect(item.Item?.expiresAt?.N).toBe(String(now + 30 * 86_400));
  });

  it('lets a new attempt take over a claim whose attempt is presumed dead', async () => {
    // Prepare
    const eventId = newEventId();
    const crashed = await store.claim(eventId, {
      nowSeconds: now,
      inProgressUntilSeconds: now + 60,
      eventType: 'invoice.paid',
    });
    if (crashed.status !== 'claimed') throw new Error('expected a claim');
    // Act
    const takeover = await store.claim(eventId, {
      nowSeconds: now + 61,
      inProgressUntilSeconds: now + 121,
      eventType: 'invoice.paid',
    });
    // Assess: the new attempt holds it, and the dead attempt can no longer complete it
    expect(takeover.status).toBe('claimed');
    await expect(
      store.complete(eventId, crashed.token, { nowSeconds: now + 62, expiresAtSeconds: now + 99 }),
    ).rejects.toThrow(ClaimLostError);
  });

  it('frees a released claim at once, and only for the attempt that holds it', async () => {
    // Prepare
    const eventId = newEventId();
    const claim = await store.claim(eventId, {
      nowSeconds: now,
      inProgressUntilSeconds: now + 60,
      eventType: 'invoice.paid',
    });
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    // Act
    await store.release(eventId, 'someone-elses-token');
    const stillHeld = await store.claim(eventId, {
      nowSeconds: now + 1,
      inProgressUntilSeconds: now + 61,
      eventType: 'invoice.paid',
    });
    await store.release(eventId, claim.token);
    const reclaimed = await store.claim(eventId, {
      nowSeconds: now + 2,
      inProgressUntilSeconds: now + 62,
      eventType: 'invoice.paid',
    });
    // Assess
    expect(stillHeld.status).toBe('in_progress');
    expect(reclaimed.status).toBe('claimed');
  });
});
