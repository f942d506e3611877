import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalEmail, LocalEvent, LocalPipeline } from '../../tools/local/pipeline';
import { signStripePayload } from '../../tools/stripe-events';
import { waitFor } from './wait-for';

/** What tests do with a running local pipeline: post signed events and read what it saw and sent. */
export function localPipelineClient(pipeline: () => LocalPipeline, signingSecret: string) {
  const events = async () => (await (await fetch(`${pipeline().url}/_local/events`)).json()) as LocalEvent[];
  return {
    /** POSTs `body` as Stripe does, signed with the pipeline's secret unless a signature is given. */
    post: (body: string, signature = signStripePayload(body, signingSecret)): Promise<Response> =>
      fetch(pipeline().webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
        body,
      }),
    events,
    emails: async () => (await (await fetch(`${pipeline().url}/_local/emails`)).json()) as LocalEmail[],
    /** Waits until the event `id` is listed and `done` holds for it. */
    eventWhen: (id: string, done: (event: LocalEvent) => boolean, timeoutMs?: number): Promise<LocalEvent> =>
      waitFor(`event ${id}`, async () => (await events()).find((event) => event.id === id && done(event)), timeoutMs),
  };
}

export interface SesMessage {
  readonly id: string;
  readonly subject: string;
  readonly body: string;
  readonly destinations: { readonly ToAddresses: string[] };
}

/**
 * Every message moto's SES accepted, read from moto's own store (one request: the store is large). Its
 * dump walks every backend while other files' pipelines change them, and now and then answers that with
 * a 500 page: asked again, it answers.
 */
export async function sesMessages(endpoint: string): Promise<SesMessage[]> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${endpoint}/moto-api/data.json`);
    const text = await response.text();
    if (response.ok) return (JSON.parse(text) as { ses: { Message: SesMessage[] } }).ses.Message;
    if (attempt === 5) throw new Error(`moto's data.json answered ${response.status} 5 times: ${text.slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The messages moto's SES accepted for `address`. */
export async function sesMessagesTo(endpoint: string, address: string): Promise<SesMessage[]> {
  return (await sesMessages(endpoint)).filter((message) => message.destinations.ToAddresses.includes(address));
}

/** Messages in a queue: visible, in flight, or delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}
