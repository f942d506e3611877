/**
 * The consumer's logs hold identifiers and outcomes only, like the receiver's (see the leak test in
 * receiver-bad-input.test.ts): the real handler, with the real Powertools logger and metrics on a
 * captured stdout, runs events whose sends and lookups fail with SES's and Stripe's own kind of error
 * texts, which name the recipient. No address, name, slice of a body or secret may come out.
 */
import type { SESClient } from '@aws-sdk/client-ses';
import type { Context, SQSRecord } from 'aws-lambda';
import type Stripe from 'stripe';
import { envVarNames } from '../../config/contract';
import { createConsumerHandler } from '../../functions/consumer/create-handler';
import { sesMailer } from '../../functions/consumer/mailer';
import { errorSummary, redactions, sanitizeErrorText } from '../../functions/shared/errors';
import { type StripeApi, StripeApiError } from '../../functions/shared/stripe-api/port';
import projectSubscriptions from '../../functions/subscriptions';
import { buildConsumerSqsEvent } from '../../tools/receiver-events';
import { buildStripeEvent, defaultCustomerEmail, defaultCustomerName } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore } from '../../tools/testing/consumer-fakes';
import { captureStdio } from '../support/receiver-fakes';

const apiKey = 'rk_test_not_a_real_key_consumer_leaks';
const sender = 'receipts@shop.example.org';
const env = {
  [envVarNames.idempotencyTableName]: 'idempotency',
  [envVarNames.senderAddress]: sender,
  [envVarNames.largeEventBucketName]: 'large-events',
  [envVarNames.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/events',
  [envVarNames.stage]: 'test',
  POWERTOOLS_SERVICE_NAME: 'stripe-webhook-consumer',
};
const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'req-1' } as unknown as Context;

/** An AWS SDK error as SES throws it: name, message naming the identities that failed, $metadata. */
function sesError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

/** A fake SES client: each send takes the next outcome, an error to throw or `undefined` for success. */
function sesClient(outcomes: (Error | undefined)[]): SESClient {
  let sent = 0;
  return {
    send: async () => {
      const failure = outcomes.shift();
      if (failure !== undefined) throw failure;
      sent += 1;
      return { MessageId: `ses-${sent}` };
    },
  } as unknown as SESClient;
}

/** The Stripe API port, failing like stripe-node does for a bad request (message quoting the value). */
const stripe = (customer: (id: string) => Promise<Stripe.Customer>): StripeApi => ({
  retrieveCustomer: customer,
  retrieveSubscription: () => Promise.reject(new Error('not used')),
  retrieveEvent: () => Promise.reject(new Error('not used')),
  retrieveThinEvent: () => Promise.reject(new Error('not used')),
  retrieveRelatedObject: () => Promise.reject(new Error('not used')),
  retrieveDispute: () => Promise.reject(new Error('not used')),
  retrieveCharge: () => Promise.reject(new Error('not used')),
});

describe('sanitizeErrorText', () => {
  it.each([
    [
      'MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: Jenny Rosen <jenny.rosen@example.com>, "Rosen, Jenny" <j.rosen@example.org>',
      `MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ${redactions.address}, ${redactions.address}`,
    ],
    [
      'StripeInvalidRequestError: Invalid email address: jenny.rosen+shop@example.co.uk (request req_123)',
      `StripeInvalidRequestError: Invalid email address: ${redactions.address} (request req_123)`,
    ],
    ['Invalid API Key provided: rk_test_****abcd', `Invalid API Key provided: ${redactions.secret}`],
    ['whsec_not_a_real_key_123 refused', `${redactions.secret} refused`],
    ['No such customer: cus_NffrFeUfNV2Hib', 'No such customer: cus_NffrFeUfNV2Hib'],
  ])('%s', (text, expected) => {
    expect(sanitizeErrorText(text)).toBe(expected);
  });

  it("takes out the slice of input that Node's JSON.parse quotes", () => {
    // Prepare
    let error: unknown;
    try {
      JSON.parse(`${defaultCustomerName} wrote ${defaultCustomerEmail}`);
    } catch (caught) {
      error = caught;
    }
    // Act
    const summary = errorSummary(error);
    // Assess: the raw message does quote it, the summary does not
    expect(String(error)).toContain(defaultCustomerName.slice(0, 5));
    expect(summary).toMatch(/^SyntaxError: Unexpected token 'J', \[text\] is not valid JSON$/);
  });
});

describe("the consumer's logs", () => {
  it('name the event, the outcome and a sanitised error, and hold no address, name, body slice or secret', async () => {
    // Prepare: one event per path that logs
    const paid = JSON.stringify(buildStripeEvent('invoice.paid'));
    const failedSend = JSON.stringify(buildStripeEvent('invoice.paid'));
    const rejectedSend = JSON.stringify(buildStripeEvent('invoice.payment_failed'));
    const throttledSend = JSON.stringify(buildStripeEvent('charge.refunded'));
    const failedLookup = JSON.stringify(
      buildStripeEvent('customer.subscription.deleted', { object: { customer: 'cus_lookup_fails' } }),
    );
    const suppressed = JSON.stringify(buildStripeEvent('invoice.paid', { email: 'bounced.customer@example.net' }));
    const notJson = `{"email": "${defaultCustomerEmail}", "name": "${defaultCustomerName}" broken`;
    const bodies = [paid, paid, failedSend, rejectedSend, throttledSend, failedLookup, suppressed, notJson];
    const mailer = sesMailer(
      sesClient([
        undefined, // invoice.paid: sent; its duplicate sends nothing
        sesError('ServiceUnavailable', `Service unavailable for ${defaultCustomerName} <${defaultCustomerEmail}>`),
        sesError(
          'MessageRejected',
          `Email address is not verified. The following identities failed the check in region US-EAST-1: ${defaultCustomerName} <${defaultCustomerEmail}>`,
        ),
        sesError('Throttling', `Maximum sending rate exceeded while sending to ${defaultCustomerEmail}`),
      ]),
      sender,
    );
    const handler = createConsumerHandler(projectSubscriptions, env, {
      store: new InMemoryIdempotencyStore(),
      mailer,
      suppressions: {
        find: async (address: string) =>
          address === 'bounced.customer@example.net' ? { address, reason: 'bounce' } : undefined,
      } as never,
      stripe: stripe(async (id) => {
        if (id === 'cus_lookup_fails') {
          throw new StripeApiError(`Invalid email address: ${defaultCustomerEmail} (key ${apiKey})`, { status: 400 });
        }
        return { id, object: 'customer', email: defaultCustomerEmail, name: defaultCustomerName } as Stripe.Customer;
      }),
      resolveBody: async (record: SQSRecord) => record.body,
      requeue: async () => undefined,
    });
    const records = bodies.map((body) => {
      const event = body === notJson ? buildConsumerSqsEvent(paid) : buildConsumerSqsEvent(body);
      const record = event.Records[0] as SQSRecord;
      return { ...record, body };
    });
    // 24-byte slices of every event body, raw and as they would look inside a JSON log line; the event's
    // id and type are what the logs are for, so a slice within `"id":"evt_..."` or `"type":"..."` does not count.
    const identifiers = bodies.flatMap((body) => {
      const { id, type } = (body === notJson ? {} : JSON.parse(body)) as { id?: string; type?: string };
      const pairs = [`"id":"${id}"`, `"type":"${type}"`];
      return [...pairs, ...pairs.map((pair) => JSON.stringify(pair).slice(1, -1))];
    });
    const fragments: string[] = [];
    for (const body of bodies) {
      for (let start = 0; start + 24 <= body.length; start += 12) {
        const slice = body.slice(start, start + 24);
        for (const fragment of [slice, JSON.stringify(slice).slice(1, -1)]) {
          if (!identifiers.some((identifier) => identifier.includes(fragment))) fragments.push(fragment);
        }
      }
    }
    // Act
    const stdio = captureStdio();
    let response: Awaited<ReturnType<typeof handler>>;
    try {
      response = await handler({ Records: records }, context);
    } finally {
      stdio.restore();
    }
    const output = stdio.output();
    // Assess: the paths ran, and logged what an operator needs
    const lines = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const messages = lines.map((line) => line.message).filter((m) => m !== undefined);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Email sent',
        'Duplicate of a done event; skipped',
        'Event failed; it will be retried',
        'Email rejected by SES; it will not be retried',
        'SES throttled; event queued again with a delay',
        'Email not sent: the recipient is on the suppression list',
      ]),
    );
    const failures = lines.filter((line) => line.message === 'Event failed; it will be retried');
    expect(failures.map((line) => line.error)).toEqual([
      // The display name is taken to run back to the previous separator: it may take more than the name, never less.
      // A handler's error is named after the handler and its step (HandlerFailedError); the step's recipient is taken out too.
      `HandlerFailedError: receipt (step email:${redactions.address}): ServiceUnavailable: ${redactions.address}`,
      expect.stringMatching(
        /^HandlerFailedError: subscription-ended: StripeApiError: Invalid email address: \[address\] \(key \[secret\]\)/,
      ),
      expect.stringMatching(/^MalformedMessageError: /),
    ]);
    expect(failures.every((line) => typeof line.eventId === 'string' || line.eventId === undefined)).toBe(true);
    expect(response.batchItemFailures).toHaveLength(3);
    const emf = lines.find((line) => line._aws !== undefined);
    expect(emf).toMatchObject({
      Processed: [1, 1, 1],
      Duplicate: 1,
      Throttled: 1,
      Failed: [1, 1, 1],
      EmailsRejected: 1,
      EmailsSuppressed: 1,
    });
    // Assess: and nothing that must stay out of logs
    const leaks = [
      ...[apiKey, defaultCustomerName, defaultCustomerEmail, 'bounced.customer@example.net'].filter((value) =>
        output.includes(value),
      ),
      ...fragments.filter((value) => output.includes(value)),
      ...(output.match(/[\w.+-]+@[\w-]+\.[\w.-]+/g) ?? []),
    ];
    expect(leaks).toEqual([]);
  });
});
