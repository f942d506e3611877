/**
 * Every request to the local endpoint, accepted or refused, at `GET /_local/deliveries`: through the real
 * endpoint and receiver on moto, with the time, status, code, latency, size, event and what to fix.
 */
import type { LocalDelivery } from '../../tools/local/delivery-log';
import { buildStripeEvent, signStripePayload } from '../../tools/stripe-events';
import { localPipelineClient } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';

jest.setTimeout(60_000);
const signingSecret = 'whsec_local_deliveries_test_secret_not_real';

const { pipeline } = useTestPipeline({ signingSecret, resourceNameSuffix: 'deliveries' });
const { post, eventWhen } = localPipelineClient(pipeline, signingSecret);

async function deliveries(query = ''): Promise<LocalDelivery[]> {
  const response = await fetch(`${pipeline().url}/_local/deliveries${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as LocalDelivery[];
}

/** The newest delivery listed, once the request is answered. */
async function newest(): Promise<LocalDelivery> {
  const [latest] = await deliveries('?limit=1');
  if (!latest) throw new Error('no delivery listed');
  return latest;
}

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('GET /_local/deliveries', () => {
  it('lists a good signed delivery with its time, 200, latency, size and event, and no code', async () => {
    // Prepare
    const event = buildStripeEvent('invoice.paid');
    const body = JSON.stringify(event);
    const before = Date.now();

    // Act
    const response = await post(body);

    // Assess
    expect(response.status).toBe(200);
    const delivery = await newest();
    expect(delivery).toEqual({
      at: expect.stringMatching(isoTime),
      method: 'POST',
      path: '/webhook',
      status: 200,
      outcome: 'accepted',
      code: null,
      message: null,
      hint: null,
      latencyMs: expect.any(Number),
      bytes: Buffer.byteLength(body),
      eventId: event.id,
      eventType: 'invoice.paid',
    });
    expect(Date.parse(delivery.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(delivery.latencyMs).toBeGreaterThan(0);
    await eventWhen(event.id, (e) => e.status === 'processed');
  });

  it('lists a bad signature as a 400 signature_mismatch, naming the secret by its last 4 characters and asking for the raw body', async () => {
    // Prepare: signed with another secret, and a body re-serialized after signing
    const event = buildStripeEvent('invoice.paid');
    const body = JSON.stringify(event);
    const otherSecret = signStripePayload(body, 'whsec_some_other_endpoint_secret_not_real');
    const reserialized = JSON.stringify(event, null, 2);

    // Act
    const wrongSecret = await post(body, otherSecret);
    const wrongSecretDelivery = await newest();
    const wrongBytes = await post(reserialized, signStripePayload(body, signingSecret));
    const wrongBytesDelivery = await newest();

    // Assess
    expect([wrongSecret.status, wrongBytes.status]).toEqual([400, 400]);
    for (const [delivery, bytes] of [
      [wrongSecretDelivery, Buffer.byteLength(body)],
      [wrongBytesDelivery, Buffer.byteLength(reserialized)],
    ] as const) {
      expect(delivery).toMatchObject({
        status: 400,
        outcome: 'refused',
        code: 'signature_mismatch',
        bytes,
        eventId: event.id,
        eventType: 'invoice.paid',
      });
      expect(delivery.message).toContain('No v1 signature');
      expect(delivery.hint).toContain('whsec_…real, from STRIPE_WEBHOOK_SECRET');
      expect(delivery.hint).toContain('raw body');
      expect(delivery.hint).not.toContain(signingSecret);
    }
    // Never accepted: the event log does not list it
    const events = (await (await fetch(`${pipeline().url}/_local/events`)).json()) as { id: string }[];
    expect(events.map((e) => e.id)).not.toContain(event.id);
  });

  it('lists a GET of the webhook as a 405 and an old signature as out of tolerance, each with what to fix', async () => {
    // Act
    const get = await fetch(pipeline().webhookUrl);
    const got = await newest();
    const body = JSON.stringify(buildStripeEvent('invoice.paid'));
    const old = await post(body, signStripePayload(body, signingSecret, Math.floor(Date.now() / 1000) - 3600));
    const stale = await newest();

    // Assess
    expect(get.status).toBe(405);
    expect(got).toMatchObject({
      method: 'GET',
      status: 405,
      outcome: 'refused',
      code: 'method_not_allowed',
      bytes: 0,
      eventId: null,
      eventType: null,
    });
    expect(got.hint).toContain('POST /webhook');
    expect(old.status).toBe(400);
    expect(stale).toMatchObject({ status: 400, code: 'timestamp_out_of_tolerance' });
    expect(stale.hint).toContain('300 s');
  });

  it("lists a body over the receiver's limit, and one over API Gateway's, as 413 with its size", async () => {
    // Prepare: over the receiver's 5 MB, then over the endpoint's 10 MB (API Gateway's)
    const overReceiver = 'x'.repeat(5 * 1024 * 1024 + 1);
    const overGateway = Buffer.alloc(10 * 1024 * 1024 + 1, 'x');

    // Act
    const receiverAnswer = await post(overReceiver, 't=1,v1=00');
    const receiverRefusal = await newest();
    const gatewayAnswer = await fetch(pipeline().webhookUrl, { method: 'POST', body: overGateway });
    const gatewayRefusal = await newest();

    // Assess
    expect([receiverAnswer.status, gatewayAnswer.status]).toEqual([413, 413]);
    expect(receiverRefusal).toMatchObject({
      status: 413,
      outcome: 'refused',
      code: 'payload_too_large',
      bytes: overReceiver.length,
      eventId: null,
    });
    expect(gatewayRefusal).toMatchObject({ status: 413, code: 'payload_too_large', bytes: overGateway.length });
    expect(gatewayRefusal.message).toContain(`${overGateway.length} bytes`);
    expect(gatewayRefusal.hint).toContain('a few KB');
  });

  it('lists an EventBridge envelope that is not one as a 400 with the shape to send', async () => {
    // Act
    const answer = await fetch(`${pipeline().url}/_local/eventbridge`, { method: 'POST', body: '{"detail":1}' });

    // Assess
    expect(answer.status).toBe(400);
    expect(await newest()).toMatchObject({
      path: '/_local/eventbridge',
      status: 400,
      code: 'invalid_eventbridge_event',
      bytes: 12,
      hint: expect.stringContaining('"detail-type"'),
    });
  });

  it('answers newest first, at most ?limit=, only one event with ?eventId=, and 400 for a bad limit', async () => {
    // Prepare: the same event refused, then accepted
    const event = buildStripeEvent('customer.created');
    const body = JSON.stringify(event);
    await post(body, signStripePayload(body, 'whsec_not_the_pipelines_secret_at_all'));
    await post(body);

    // Act
    const all = await deliveries();
    const two = await deliveries('?limit=2');
    const ofEvent = await deliveries(`?eventId=${event.id}`);
    const bad = await fetch(`${pipeline().url}/_local/deliveries?limit=lots`);

    // Assess
    const times = all.map((d) => d.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(two).toEqual(all.slice(0, 2));
    expect(ofEvent.map((d) => [d.status, d.code])).toEqual([
      [200, null],
      [400, 'signature_mismatch'],
    ]);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_query' } });
  });
});
