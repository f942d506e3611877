import { SQSClient } from '@aws-sdk/client-sqs';
import type Stripe from 'stripe';
import { resolveSettings } from '../../config/settings';
import { type LocalPipeline, startLocalPipeline } from '../../tools/local/pipeline';
import { localClientConfig } from '../../tools/local/resources';
import { buildStripeEvent } from '../../tools/stripe-events';
import { localPipelineClient, queueDepth, sesMessages } from '../support/local-pipeline-client';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

const signingSecret = 'whsec_exactly_once_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const events = 500;
const recipientDomain = 'once.example.com';
jest.setTimeout(180_000);
let pipeline: LocalPipeline;
const sqs = new SQSClient(localClientConfig(endpoint));

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    signingSecret,
    emulatorEndpoint: endpoint,
    settings: resolveSettings({ stage: 'local' }),
    visibilityTimeoutSeconds: 2,
    // Own queue, table, secret and bucket on the shared moto.
    resourceNameSuffix: 'exactly-once',
  });
});
afterAll(async () => {
  await pipeline.stop();
  sqs.destroy();
});

const client = localPipelineClient(() => pipeline, signingSecret);
const post = async (body: string): Promise<number> => (await client.post(body)).status;

/** Runs `tasks` with at most `limit` in flight, as Stripe's deliveries overlap. */
async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) await tasks[next++]?.();
    }),
  );
}

describe('exactly one effect per event, on the local pipeline (moto)', () => {
  it(`sends one email per event for ${events} events, 20 % of them posted 2 or 3 times at once`, async () => {
    // Prepare: every fifth event is delivered two or three times concurrently
    const built: Stripe.Event[] = Array.from({ length: events }, (_, i) =>
      i % 4 === 3
        ? buildStripeEvent('checkout.session.completed', { email: `c${i}@${recipientDomain}` })
        : buildStripeEvent('invoice.paid', { email: `c${i}@${recipientDomain}` }),
    );
    const statuses: number[] = [];
    const tasks = built.map((event, i) => async () => {
      const body = JSON.stringify(event);
      const copies = i % 5 === 0 ? 2 + (i % 2) : 1;
      statuses.push(...(await Promise.all(Array.from({ length: copies }, () => post(body)))));
    });
    // Act
    await inParallel(tasks, 16);
    const seen = await waitFor(
      `all ${events} events processed`,
      async () => {
        const list = await client.events();
        const ours = list.filter((event) => built.some((b) => b.id === event.id));
        const settled = ours.reduce((sum, event) => sum + event.attempts, 0) >= statuses.length;
        return ours.length === events && ours.every((event) => event.status === 'processed') && settled
          ? ours
          : undefined;
      },
      150_000,
    );
    // Assess: every delivery accepted, every event processed once, one email per recipient in SES
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(statuses.length).toBeGreaterThan(events * 1.2);
    expect(seen.reduce((sum, event) => sum + event.deliveries, 0)).toBe(statuses.length);
    const recipients = (await sesMessages(endpoint))
      .flatMap((message) => message.destinations.ToAddresses)
      .filter((to) => to.endsWith(`@${recipientDomain}`));
    expect(recipients).toHaveLength(events);
    expect(new Set(recipients).size).toBe(events);
    expect(await queueDepth(sqs, pipeline.resources.queueUrl)).toBe(0);
    expect(await queueDepth(sqs, pipeline.resources.deadLetterQueueUrl)).toBe(0);
  });
});
