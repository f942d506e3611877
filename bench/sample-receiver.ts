/**
 * The baseline the receiver is measured against: a webhook receiver written the way Stripe's samples
 * and most tutorials write one (the SDK's `constructEvent`, then SQS). Bundled and timed by
 * bench/receiver.ts with the receiver's own build options; never deployed.
 */
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import Stripe from 'stripe';

// As in the samples: one client of each at module scope. The API key is never used to verify a
// webhook, but the samples construct the client with it all the same.
const stripe = new Stripe(process.env.STRIPE_API_KEY ?? 'placeholder-not-a-key');
const sqs = new SQSClient({});
const queueUrl = process.env.EVENT_QUEUE_URL ?? '';
const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET ?? '';

/**
 * Verifies the delivery with `constructEvent` (signature, 300 s tolerance, JSON.parse) and builds the
 * SQS message: everything the handler does before the network call. Throws if verification fails.
 */
export function toSqsMessage(event: APIGatewayProxyEventV2, secret: string, url: string): SendMessageCommandInput {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const stripeEvent = stripe.webhooks.constructEvent(body, event.headers['stripe-signature'] ?? '', secret, 300);
  return {
    QueueUrl: url,
    MessageBody: body,
    MessageAttributes: {
      'stripe-event-id': { DataType: 'String', StringValue: stripeEvent.id },
      'stripe-event-type': { DataType: 'String', StringValue: stripeEvent.type },
      'received-at': { DataType: 'String', StringValue: new Date().toISOString() },
    },
  };
}

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  let message: SendMessageCommandInput;
  try {
    message = toSqsMessage(event, webhookSecret, queueUrl);
  } catch (error) {
    return { statusCode: 400, body: `Webhook Error: ${error instanceof Error ? error.message : String(error)}` };
  }
  await sqs.send(new SendMessageCommand(message));
  return { statusCode: 200, body: JSON.stringify({ received: true }) };
};
