/**
 * The two webhook deliveries every benchmark in this folder uses: a ~3 KB and a ~100 KB Stripe event,
 * built from Stripe's example objects, pretty-printed and signed as Stripe sends them, and wrapped in
 * the API Gateway HTTP API (2.0) event the receiver Lambda gets.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type Stripe from 'stripe';
import { buildHttpApiEvent } from '../tools/receiver-events';
import { buildStripeEvent, signStripePayload, toStripeWebhookBody } from '../tools/stripe-events';

/** Shaped like an endpoint secret so that every check applies to it, and plainly not a real one. */
export const benchSigningSecret = 'whsec_bench_only_not_a_real_secret';

export interface BenchEvent {
  /** Short name used in the tables, e.g. `3 KB`. */
  readonly label: string;
  /** What the event is, e.g. `payment_intent.succeeded, 28 metadata keys`. */
  readonly description: string;
  readonly eventId: string;
  /** The exact body Stripe would post (and sign). */
  readonly body: string;
  readonly bytes: number;
  readonly apiGatewayEvent: APIGatewayProxyEventV2;
}

/** Builds events with n = 0, 1, 2, ... repeated parts until the body reaches `targetBytes`. */
function smallestReaching(targetBytes: number, build: (parts: number) => Stripe.Event): [Stripe.Event, number] {
  for (let parts = 0; parts <= 1_000; parts++) {
    const event = build(parts);
    if (Buffer.byteLength(toStripeWebhookBody(event)) >= targetBytes) return [event, parts];
  }
  throw new Error(`No event of up to 1000 parts reaches ${targetBytes} bytes`);
}

// An invoice.paid event is about 6 KB on its own, so the small event is a payment intent whose
// metadata (as a shop would set it: order and cart lines) brings it to 3 KB. Stripe allows 50 keys.
function paymentIntentWithMetadata(keys: number, created: number): Stripe.Event {
  const metadata: Record<string, string> = { order_id: 'order_test_000123', channel: 'web' };
  for (let i = 1; i <= keys; i++) metadata[`cart_line_${i}`] = `sku_test_${String(i).padStart(5, '0')}:qty=1`;
  return buildStripeEvent('payment_intent.succeeded', { created, object: { metadata } });
}

// The large event is an invoice for many seats: one line item each, as a per-seat subscription has.
function invoiceWithLines(lineCount: number, created: number): Stripe.Event {
  const unitAmount = 2000;
  const event = buildStripeEvent('invoice.paid', { created, amount: unitAmount * Math.max(lineCount, 1) });
  const invoice = event.data.object;
  const [line] = invoice.lines.data;
  if (line === undefined) throw new Error('The invoice.paid fixture has no line item to repeat');
  invoice.lines.data = Array.from({ length: Math.max(lineCount, 1) }, (_, i) => ({
    ...line,
    id: `il_test_bench${String(i + 1).padStart(6, '0')}`,
    amount: unitAmount,
    subtotal: unitAmount,
    description: `Pro plan (monthly), seat ${i + 1}`,
  }));
  return event;
}

function toBenchEvent(label: string, description: string, event: Stripe.Event, now: Date): BenchEvent {
  const body = toStripeWebhookBody(event);
  const signature = signStripePayload(body, benchSigningSecret, Math.floor(now.getTime() / 1000));
  return {
    label,
    description,
    eventId: event.id,
    body,
    bytes: Buffer.byteLength(body),
    apiGatewayEvent: buildHttpApiEvent(body, signature, now),
  };
}

/** The ~3 KB and ~100 KB deliveries, signed at `now` (the signature stays valid for 300 s). */
export function buildBenchEvents(now: Date = new Date()): readonly BenchEvent[] {
  const created = Math.floor(now.getTime() / 1000);
  const [small, keys] = smallestReaching(3 * 1024, (parts) => paymentIntentWithMetadata(parts, created));
  const [large, lines] = smallestReaching(100 * 1024, (parts) => invoiceWithLines(parts, created));
  return [
    toBenchEvent('3 KB', `payment_intent.succeeded, ${keys + 2} metadata keys`, small, now),
    toBenchEvent('100 KB', `invoice.paid, ${lines} line items`, large, now),
  ];
}
