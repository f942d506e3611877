/**
 * Stripe's error responses as the real API shapes them: `{ error: { type, code?, message, param?, doc_url? } }`,
 * with only the fields Stripe sends for that error (it omits absent ones rather than sending null).
 */
import type { FaultStatus } from './control';
import type { FakeResponse } from './router';
import { InvalidStripeParamError } from './stripe-params';

export interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error';
  code?: string;
  message: string;
  param?: string;
  doc_url?: string;
}

export function stripeError(status: number, error: StripeErrorBody): FakeResponse {
  return { status, body: { error } };
}

/** What Stripe answers for an id it doesn't know, e.g. "No such customer: 'cus_123'". */
export function resourceMissing(noun: string, id: string): FakeResponse {
  return stripeError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${noun}: '${id}'`,
    param: 'id',
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
  });
}

/**
 * Stripe's 400 for a bad parameter: `invalid_request_error` naming the `param`, with the `code`
 * (`parameter_unknown`, `parameter_missing`, `parameter_invalid`) and its `doc_url` when Stripe sends one.
 */
export function invalidParam(error: InvalidStripeParamError): FakeResponse {
  return stripeError(400, {
    type: 'invalid_request_error',
    ...(error.code === undefined
      ? {}
      : { code: error.code, doc_url: `https://stripe.com/docs/error-codes/${error.code.replaceAll('_', '-')}` }),
    message: error.message,
    param: error.param,
  });
}

/** Runs a route that reads Stripe parameters; a bad one becomes Stripe's 400 instead of a thrown error. */
export function answerWithParams(answer: () => FakeResponse): FakeResponse {
  try {
    return answer();
  } catch (error) {
    if (error instanceof InvalidStripeParamError) return invalidParam(error);
    throw error;
  }
}

export function unrecognizedUrl(method: string, path: string): FakeResponse {
  return stripeError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

export const missingApiKey: FakeResponse = stripeError(401, {
  type: 'invalid_request_error',
  message:
    "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
});

/** Stripe echoes a bad key with all but its prefix and last four characters starred. */
export function redactApiKey(key: string): string {
  const prefix = /^[a-z]{2}_(?:test|live)_/.exec(key)?.[0] ?? '';
  const last4 = key.length - prefix.length > 4 ? key.slice(-4) : '';
  return `${prefix}****${last4}`;
}

export function invalidApiKey(key: string): FakeResponse {
  return stripeError(401, {
    type: 'invalid_request_error',
    message: `Invalid API Key provided: ${redactApiKey(key)}`,
  });
}

/** An injected fault, as Stripe answers it (stripe-node turns 429 into StripeRateLimitError, 5xx into StripeAPIError). */
export function faultResponse(status: FaultStatus): FakeResponse {
  if (status === 429) {
    return stripeError(429, {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message:
        'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
      doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
    });
  }
  return stripeError(status, {
    type: 'api_error',
    message: 'An unknown error occurred. Please try again later or contact support at https://support.stripe.com/.',
  });
}
