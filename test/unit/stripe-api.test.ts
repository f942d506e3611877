import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type Stripe from 'stripe';
import { envVarNames } from '../../config/contract';
import { InvalidEnvironmentVariableError } from '../../functions/shared/env';
import {
  InvalidStripeApiKeySecretError,
  parseStripeApiKey,
  StripeApiKeyReadError,
  secretsManagerApiKey,
} from '../../functions/shared/stripe-api/api-key';
import {
  type CreateStripeApiOptions,
  createStripeApi,
  InvalidStripeApiUrlError,
  parseStripeApiUrl,
  type StripeClientLike,
} from '../../functions/shared/stripe-api/client';
import { stripeApiFromEnvironment } from '../../functions/shared/stripe-api/from-environment';
import {
  StripeApiError,
  StripeApiNotConfiguredError,
  StripeObjectNotFoundError,
  unconfiguredStripeApi,
} from '../../functions/shared/stripe-api/port';
import { createRateLimiter, InvalidRateError } from '../../functions/shared/stripe-api/rate-limiter';
import { RecordingLogger } from '../../tools/testing/consumer-fakes';

/** Shaped like stripe-node's StripeError: the fields the client reads. */
class FakeStripeError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly rawType?: string,
    readonly code?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const serverError = () => new FakeStripeError('An unknown error occurred', 500, 'api_error');
const rateLimited = () =>
  new FakeStripeError('Request rate limit exceeded', 429, 'invalid_request_error', 'rate_limit');
const connectionError = () => new Error('connect ECONNREFUSED 127.0.0.1:443');

type Outcome = Error | undefined;

/**
 * A fake of the stripe client's two lookups: each call takes the next scripted outcome (an error to throw,
 * or undefined for success) and advances the clock by `latencyMs`, as a real call takes time.
 */
function harness(script: Outcome[] = [], overrides: Partial<CreateStripeApiOptions> = {}) {
  const clock = { now: 1_000_000 };
  const sleeps: number[] = [];
  const calls: string[] = [];
  const latencyMs = 1000;
  const outcome = (what: string): void => {
    calls.push(what);
    clock.now += latencyMs;
    const next = script.shift();
    if (next !== undefined) throw next;
  };
  const client: StripeClientLike = {
    ...callsNotUsedHere,
    customers: {
      retrieve: async (id) => {
        outcome(`customer:${id}`);
        return { id, object: 'customer', email: `${id}@example.com` } as Stripe.Customer;
      },
    },
    subscriptions: {
      retrieve: async (id) => {
        outcome(`subscription:${id}`);
        return { id, object: 'subscription' } as Stripe.Subscription;
      },
    },
  };
  const api = createStripeApi({
    apiKey: async () => 'rk_test_unit_key_value',
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    random: () => 0.5,
    retryBaseMs: 100,
    createClient: async () => client,
    ...overrides,
  });
  return { api, clock, sleeps, calls };
}

/** The client calls the thin-event and event lookups use, for fakes of tests that never make them. */
const callsNotUsedHere: Pick<StripeClientLike, 'events' | 'rawRequest'> = {
  events: {
    retrieve: async () => {
      throw new Error('events.retrieve is not used by this test');
    },
  },
  rawRequest: async () => {
    throw new Error('rawRequest is not used by this test');
  },
};

describe('createRateLimiter', () => {
  it('spaces concurrent callers 1/rate apart, in arrival order', async () => {
    // Prepare: a clock that does not move, so each waiter's delay shows its slot.
    const sleeps: number[] = [];
    const limiter = createRateLimiter({
      ratePerSecond: 10,
      now: () => 5000,
      sleep: async (ms) => void sleeps.push(ms),
    });
    // Act
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    // Assess
    expect(sleeps).toEqual([100, 200]);
  });

  it('lets a call through at once after an idle period', async () => {
    // Prepare
    let now = 0;
    const sleeps: number[] = [];
    const limiter = createRateLimiter({ ratePerSecond: 4, now: () => now, sleep: async (ms) => void sleeps.push(ms) });
    await limiter.acquire();
    // Act
    now += 250;
    await limiter.acquire();
    now += 100;
    await limiter.acquire();
    // Assess: the third comes 100 ms after the second, so waits the remaining 150 ms.
    expect(sleeps).toEqual([150]);
  });

  it('refuses a rate that is not positive, naming the setting', () => {
    expect(() => createRateLimiter({ ratePerSecond: 0 })).toThrow(InvalidRateError);
    expect(() => createRateLimiter({ ratePerSecond: Number.NaN })).toThrow(/stripeApiRatePerSecond/);
  });
});

describe('createStripeApi', () => {
  it('rate-limits lookups: three at once at 10/s wait 0, 100 and 200 ms', async () => {
    // Prepare: calls take no time here, so only the limiter moves the clock.
    const { api, sleeps } = harness([], { ratePerSecond: 10, now: () => 0 });
    // Act
    await Promise.all([
      api.retrieveCustomer('cus_a'),
      api.retrieveCustomer('cus_b'),
      api.retrieveSubscription('sub_c'),
    ]);
    // Assess
    expect(sleeps).toEqual([100, 200]);
  });

  it('retries 5xx with exponential backoff and jitter, then succeeds', async () => {
    // Prepare: base 100 ms, jitter factor 0.75 (random 0.5), capped at 300 ms.
    const { api, sleeps, calls } = harness([serverError(), serverError(), serverError()], { retryMaxMs: 300 });
    // Act
    const customer = await api.retrieveCustomer('cus_flaky');
    // Assess
    expect(customer.id).toBe('cus_flaky');
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([75, 150, 225]);
  });

  it('retries a 429 and a connection error', async () => {
    // Prepare
    const { api, calls } = harness([rateLimited(), connectionError()]);
    // Act
    await api.retrieveSubscription('sub_busy');
    // Assess
    expect(calls).toEqual(['subscription:sub_busy', 'subscription:sub_busy', 'subscription:sub_busy']);
  });

  it('gives up after maxRetries with a StripeApiError carrying status, type and what to check', async () => {
    // Prepare
    const { api, calls } = harness([serverError(), serverError(), serverError()], { maxRetries: 2 });
    // Act
    const failure = api.retrieveCustomer('cus_down');
    // Assess
    await expect(failure).rejects.toBeInstanceOf(StripeApiError);
    await expect(failure).rejects.toMatchObject({
      status: 500,
      type: 'api_error',
      message: expect.stringMatching(/500 api_error .*after 3 attempts.*status\.stripe\.com/),
    });
    expect(calls).toHaveLength(3);
  });

  it('never retries a 404 resource_missing: StripeObjectNotFoundError after one call', async () => {
    // Prepare
    const missing = new FakeStripeError(
      "No such customer: 'cus_gone'",
      404,
      'invalid_request_error',
      'resource_missing',
    );
    const { api, calls, sleeps } = harness([missing]);
    // Act
    const failure = api.retrieveCustomer('cus_gone');
    // Assess
    await expect(failure).rejects.toBeInstanceOf(StripeObjectNotFoundError);
    await expect(failure).rejects.toThrow(/No such customer: 'cus_gone'/);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('never retries another 4xx, and says what to fix for a 403', async () => {
    // Prepare
    const forbidden = new FakeStripeError(
      'The provided key does not have the required permissions',
      403,
      'invalid_request_error',
    );
    const { api, calls } = harness([forbidden]);
    // Act / Assess
    await expect(api.retrieveSubscription('sub_1')).rejects.toThrow(/403.*read access to customers and subscriptions/);
    expect(calls).toHaveLength(1);
  });

  it('does not retry a 5xx when Stripe says Stripe-Should-Retry: false', async () => {
    // Prepare
    const final = new FakeStripeError('No retry', 500, 'api_error', undefined, { 'stripe-should-retry': 'false' });
    const { api, calls } = harness([final]);
    // Act / Assess
    await expect(api.retrieveCustomer('cus_1')).rejects.toBeInstanceOf(StripeApiError);
    expect(calls).toHaveLength(1);
  });

  it('never puts the key in an error message, even when the cause repeats it', async () => {
    // Prepare
    const leaky = new FakeStripeError('bad key rk_test_unit_key_value here', 401, 'invalid_request_error');
    const { api } = harness([leaky]);
    // Act
    const error = await api.retrieveCustomer('cus_1').catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(StripeApiError);
    expect((error as Error).message).not.toContain('rk_test_unit_key_value');
    expect((error as Error).message).toMatch(/401.*STRIPE_API_KEY_SECRET_ID/);
  });

  it('serves a second lookup of the same id from the cache, until the TTL passes', async () => {
    // Prepare
    const { api, calls, clock } = harness([], { cacheTtlMs: 60_000 });
    // Act
    const first = await api.retrieveCustomer('cus_cached');
    const second = await api.retrieveCustomer('cus_cached');
    const callsWhileFresh = calls.length;
    clock.now += 60_001;
    await api.retrieveCustomer('cus_cached');
    // Assess
    expect(second).toBe(first);
    expect(callsWhileFresh).toBe(1);
    expect(calls).toHaveLength(2);
  });

  it('keys the cache by resource: a subscription does not answer for a customer', async () => {
    // Prepare
    const { api, calls } = harness();
    // Act
    await api.retrieveCustomer('same_id');
    await api.retrieveSubscription('same_id');
    // Assess
    expect(calls).toEqual(['customer:same_id', 'subscription:same_id']);
  });

  it('shares one request between concurrent lookups of the same id', async () => {
    // Prepare
    const { api, calls } = harness();
    // Act
    const [one, two] = await Promise.all([api.retrieveCustomer('cus_twice'), api.retrieveCustomer('cus_twice')]);
    // Assess
    expect(calls).toEqual(['customer:cus_twice']);
    expect(two).toBe(one);
  });

  it('does not cache a failure: the next lookup asks again', async () => {
    // Prepare
    const missing = new FakeStripeError(
      "No such customer: 'cus_late'",
      404,
      'invalid_request_error',
      'resource_missing',
    );
    const { api, calls } = harness([missing]);
    // Act
    await expect(api.retrieveCustomer('cus_late')).rejects.toBeInstanceOf(StripeObjectNotFoundError);
    const customer = await api.retrieveCustomer('cus_late');
    // Assess
    expect(customer.id).toBe('cus_late');
    expect(calls).toHaveLength(2);
  });

  it('evicts the least recently used object past cacheMaxEntries', async () => {
    // Prepare
    const { api, calls } = harness([], { cacheMaxEntries: 2 });
    // Act: a, b, a (a is now most recent), c evicts b; a is still cached, b is asked again.
    await api.retrieveCustomer('a');
    await api.retrieveCustomer('b');
    await api.retrieveCustomer('a');
    await api.retrieveCustomer('c');
    await api.retrieveCustomer('a');
    await api.retrieveCustomer('b');
    // Assess
    expect(calls).toEqual(['customer:a', 'customer:b', 'customer:c', 'customer:b']);
  });

  it('reads the key on the first lookup only, and again after a failed read', async () => {
    // Prepare
    let reads = 0;
    const { api } = harness([], {
      apiKey: async () => {
        reads += 1;
        if (reads === 1) throw new Error('Secrets Manager unavailable');
        return 'rk_test_unit_key_value';
      },
    });
    const readsBeforeAnyLookup = reads;
    // Act
    await expect(api.retrieveCustomer('cus_1')).rejects.toThrow(/Secrets Manager unavailable/);
    await api.retrieveCustomer('cus_1');
    await api.retrieveCustomer('cus_2');
    // Assess
    expect(readsBeforeAnyLookup).toBe(0);
    expect(reads).toBe(2);
  });
});

describe('parseStripeApiUrl', () => {
  it('defaults to api.stripe.com over https and reads the fake URL apart', () => {
    expect(parseStripeApiUrl(undefined)).toEqual({ host: 'api.stripe.com', port: 443, protocol: 'https' });
    expect(parseStripeApiUrl('http://127.0.0.1:4010')).toEqual({ host: '127.0.0.1', port: 4010, protocol: 'http' });
  });

  it('refuses what stripe-node cannot call, saying what is expected', () => {
    expect(() => parseStripeApiUrl('ftp://x')).toThrow(InvalidStripeApiUrlError);
    expect(() => parseStripeApiUrl('http://localhost:4010/stripe')).toThrow(/no path/);
    expect(() => parseStripeApiUrl('not a url')).toThrow(/STRIPE_API_URL/);
  });
});

describe('unconfiguredStripeApi', () => {
  it('rejects every call with StripeApiNotConfiguredError naming the setting', async () => {
    await expect(unconfiguredStripeApi.retrieveCustomer('cus_1')).rejects.toBeInstanceOf(StripeApiNotConfiguredError);
    await expect(unconfiguredStripeApi.retrieveSubscription('sub_1')).rejects.toThrow(/stripeApiKeySecretName/);
  });
});

/** A Secrets Manager client whose GetSecretValue answers from a script: a string, or an error to throw. */
function secretsManager(answers: Array<string | undefined | Error>) {
  const asked: string[] = [];
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof GetSecretValueCommand)) throw new Error('unexpected command');
      asked.push(command.input.SecretId ?? '');
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer instanceof Error) throw answer;
      return { SecretString: answer };
    },
  } as unknown as SecretsManagerClient;
  return { client, asked };
}

describe('secretsManagerApiKey', () => {
  it('reads the secret once per container, even for concurrent callers', async () => {
    // Prepare
    const { client, asked } = secretsManager(['rk_live_not_a_real_key_restricted']);
    const apiKey = secretsManagerApiKey(client, 'stripe/api-key', new RecordingLogger());
    // Act
    const keys = await Promise.all([apiKey(), apiKey()]);
    const later = await apiKey();
    // Assess
    expect(keys).toEqual(['rk_live_not_a_real_key_restricted', 'rk_live_not_a_real_key_restricted']);
    expect(later).toBe('rk_live_not_a_real_key_restricted');
    expect(asked).toEqual(['stripe/api-key']);
  });

  it('does not keep a failed read, and says what to check', async () => {
    // Prepare
    const { client, asked } = secretsManager([new Error('AccessDeniedException'), 'rk_test_abc']);
    const apiKey = secretsManagerApiKey(client, 'stripe/api-key', new RecordingLogger());
    // Act
    const failure = apiKey();
    // Assess
    await expect(failure).rejects.toBeInstanceOf(StripeApiKeyReadError);
    await expect(failure).rejects.toThrow(/secretsmanager:GetSecretValue/);
    await expect(apiKey()).resolves.toBe('rk_test_abc');
    expect(asked).toHaveLength(2);
  });

  it('accepts a secret key with one warning to prefer a restricted key', async () => {
    // Prepare
    const { client } = secretsManager(['sk_test_full_access']);
    const logger = new RecordingLogger();
    const apiKey = secretsManagerApiKey(client, 'stripe/api-key', logger);
    // Act
    await apiKey();
    await apiKey();
    // Assess
    expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      expect.stringMatching(/prefer a restricted key/),
    ]);
  });

  it('warns about nothing for a restricted key', async () => {
    const { client } = secretsManager(['rk_test_abc']);
    const logger = new RecordingLogger();
    await secretsManagerApiKey(client, 'stripe/api-key', logger)();
    expect(logger.lines).toEqual([]);
  });

  it.each([
    ['an empty secret', '  ', /is empty/],
    ['no string value', undefined, /no string value/],
    ['JSON', '{"key":"rk_test_abc"}', /JSON/],
    ['a webhook secret', 'whsec_not_an_api_key', /webhook signing secret \(whsec_\.\.\.\), not an API key/],
    ['a publishable key', 'pk_test_publishable', /publishable key \(pk_\.\.\.\)/],
    ['something else', 'hunter2', /does not hold a Stripe API key/],
  ])('refuses %s, saying what to store', async (_what, value, problem) => {
    const { client } = secretsManager([value]);
    const failure = secretsManagerApiKey(client, 'stripe/api-key', new RecordingLogger())();
    await expect(failure).rejects.toBeInstanceOf(InvalidStripeApiKeySecretError);
    await expect(failure).rejects.toThrow(problem);
    await expect(failure).rejects.toThrow(/restricted key \(rk_live_\.\.\. or rk_test_\.\.\.\)/);
  });

  it('never repeats a refused value', () => {
    expect(() => parseStripeApiKey('id', 'pk_live_publishable_key_leak')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('publishable_key_leak') }),
    );
  });
});

describe('stripeApiFromEnvironment', () => {
  it('is the unconfigured API when no key secret is named, and makes no Secrets Manager client', () => {
    // Prepare
    let made = 0;
    const deps = {
      secretsManager: () => {
        made += 1;
        return secretsManager(['rk_test_abc']).client;
      },
      logger: new RecordingLogger(),
    };
    // Act
    const api = stripeApiFromEnvironment({}, deps);
    // Assess
    expect(api).toBe(unconfiguredStripeApi);
    expect(made).toBe(0);
  });

  it('builds a client from the named secret, reading nothing until the first call', () => {
    // Prepare
    let made = 0;
    const deps = {
      secretsManager: () => {
        made += 1;
        return secretsManager(['rk_test_abc']).client;
      },
      logger: new RecordingLogger(),
    };
    // Act
    const api = stripeApiFromEnvironment(
      { [envVarNames.stripeApiKeySecretId]: 'stripe/api-key', [envVarNames.stripeApiUrl]: 'http://127.0.0.1:1' },
      deps,
    );
    // Assess
    expect(api).not.toBe(unconfiguredStripeApi);
    expect(made).toBe(0);
  });

  it.each(['fast', '0', '101', '2.5'])('refuses the rate %j, naming the variable', (rate) => {
    const deps = { secretsManager: () => secretsManager([]).client, logger: new RecordingLogger() };
    const env = { [envVarNames.stripeApiKeySecretId]: 'id', [envVarNames.stripeApiRatePerSecond]: rate };
    expect(() => stripeApiFromEnvironment(env, deps)).toThrow(InvalidEnvironmentVariableError);
    expect(() => stripeApiFromEnvironment(env, deps)).toThrow(/STRIPE_API_RATE_PER_SECOND/);
  });

  it('refuses a STRIPE_API_URL that is not http(s) at cold start, not at the first call', () => {
    const deps = { secretsManager: () => secretsManager([]).client, logger: new RecordingLogger() };
    const env = { [envVarNames.stripeApiKeySecretId]: 'id', [envVarNames.stripeApiUrl]: 'localhost:12111' };
    expect(() => stripeApiFromEnvironment(env, deps)).toThrow(InvalidStripeApiUrlError);
  });
});

/**
 * Virtual time: `sleep` parks the caller until `run` moves the clock to its wake-up time, so concurrent
 * sleepers overlap as they do on a real clock (unlike a sleep that just adds its delay to `now`).
 */
class VirtualClock {
  now = 0;
  private timers: Array<{ at: number; wake: () => void }> = [];

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.timers.push({ at: this.now + ms, wake });
    });

  /** Runs timers in time order until `work` settles. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    for (;;) {
      // Let every pending continuation run before deciding what happens next.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return watched;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (next === undefined) throw new Error('Deadlock: the work waits for nothing the clock can fire');
      this.now = Math.max(this.now, next.at);
      next.wake();
    }
  }
}

describe('createStripeApi rate limit, on a virtual clock', () => {
  /** A client whose calls take no time and record when they started. */
  function recordingSetup(ratePerSecond?: number) {
    const clock = new VirtualClock();
    const starts: number[] = [];
    const client: StripeClientLike = {
      ...callsNotUsedHere,
      customers: {
        retrieve: async (id) => {
          starts.push(clock.now);
          return { id, object: 'customer' } as Stripe.Customer;
        },
      },
      subscriptions: {
        retrieve: async (id) => {
          starts.push(clock.now);
          return { id, object: 'subscription' } as Stripe.Subscription;
        },
      },
    };
    const api = createStripeApi({
      apiKey: async () => 'rk_test_unit_key_value',
      now: () => clock.now,
      sleep: clock.sleep,
      createClient: async () => client,
      ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    });
    return { api, clock, starts };
  }

  it('makes 60 concurrent lookups at the default 25/s over at least 2.36 s, never 26 in one second', async () => {
    // Prepare
    const { api, clock, starts } = recordingSetup();
    const ids = Array.from({ length: 60 }, (_, index) => `cus_${index}`);
    // Act
    await clock.run(Promise.all(ids.map((id) => api.retrieveCustomer(id))));
    // Assess: 59 gaps of 40 ms, and no more (the limiter does not over-throttle either).
    expect(starts).toHaveLength(60);
    const span = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
    expect(span).toBeGreaterThanOrEqual(2360);
    expect(span).toBeLessThan(2400);
    for (let index = 25; index < starts.length; index += 1) {
      expect((starts[index] ?? 0) - (starts[index - 25] ?? 0)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('counts customers and subscriptions against one budget', async () => {
    // Prepare
    const { api, clock, starts } = recordingSetup(2);
    // Act
    await clock.run(
      Promise.all([api.retrieveCustomer('cus_1'), api.retrieveSubscription('sub_1'), api.retrieveCustomer('cus_2')]),
    );
    // Assess
    expect(starts).toEqual([0, 500, 1000]);
  });

  it('makes retries wait for the limiter too', async () => {
    // Prepare: the first call fails at once with a 503; its retry must not jump the queue of slots.
    const clock = new VirtualClock();
    const starts: Array<[string, number]> = [];
    let failed = false;
    const client: StripeClientLike = {
      ...callsNotUsedHere,
      customers: {
        retrieve: async (id) => {
          starts.push([id, clock.now]);
          if (id === 'cus_flaky' && !failed) {
            failed = true;
            throw new FakeStripeError('Service unavailable', 503, 'api_error');
          }
          return { id, object: 'customer' } as Stripe.Customer;
        },
      },
      subscriptions: { retrieve: async (id) => ({ id, object: 'subscription' }) as Stripe.Subscription },
    };
    const api = createStripeApi({
      apiKey: async () => 'rk_test_unit_key_value',
      ratePerSecond: 10,
      retryBaseMs: 1,
      random: () => 0,
      now: () => clock.now,
      sleep: clock.sleep,
      createClient: async () => client,
    });
    // Act
    await clock.run(Promise.all([api.retrieveCustomer('cus_flaky'), api.retrieveCustomer('cus_other')]));
    // Assess: the retry gets the third slot (200 ms), not 0.5 ms after the failure.
    expect(starts).toEqual([
      ['cus_flaky', 0],
      ['cus_other', 100],
      ['cus_flaky', 200],
    ]);
  });
});

describe('createStripeApi and Retry-After', () => {
  const rateLimitedFor = (retryAfter: string) =>
    new FakeStripeError('Request rate limit exceeded', 429, 'invalid_request_error', 'rate_limit', {
      'retry-after': retryAfter,
    });

  it('waits at least as long as Retry-After asks, in seconds', async () => {
    // Prepare: the backoff alone would be 75 ms.
    const { api, sleeps, calls } = harness([rateLimitedFor('2')]);
    // Act
    await api.retrieveCustomer('cus_busy');
    // Assess
    expect(sleeps).toEqual([2000]);
    expect(calls).toHaveLength(2);
  });

  it('reads Retry-After as an HTTP date too', async () => {
    // Prepare: the harness clock starts at 1,000,000 ms and the call takes 1000 ms.
    const { api, sleeps } = harness([rateLimitedFor(new Date(1_000_000 + 1000 + 3000).toUTCString())]);
    // Act
    await api.retrieveCustomer('cus_busy');
    // Assess
    expect(sleeps).toEqual([3000]);
  });

  it('does not hold the invocation for a Retry-After beyond retryMaxMs: fails at once, saying so', async () => {
    // Prepare
    const { api, sleeps, calls } = harness([rateLimitedFor('30')]);
    // Act
    const failure = api.retrieveCustomer('cus_busy');
    // Assess
    await expect(failure).rejects.toBeInstanceOf(StripeApiError);
    await expect(failure).rejects.toThrow(/429 invalid_request_error\/rate_limit.*wait 30 s.*stripeApiRatePerSecond/);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});

describe('createStripeApi key handling and logs', () => {
  it('rejects an empty key with StripeApiNotConfiguredError, before any request', async () => {
    // Prepare
    const { api, calls } = harness([], { apiKey: async () => '  ' });
    // Act / Assess
    await expect(api.retrieveCustomer('cus_1')).rejects.toBeInstanceOf(StripeApiNotConfiguredError);
    expect(calls).toEqual([]);
  });

  it('logs a retry with the resource, status and request id, never the object id', async () => {
    // Prepare
    const logger = new RecordingLogger();
    const { api } = harness([rateLimited()], { logger });
    // Act
    await api.retrieveCustomer('cus_private_42');
    // Assess
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'warn',
      details: { resource: 'customers', status: 429, code: 'rate_limit', attempt: 1 },
    });
    expect(JSON.stringify(logger.lines)).not.toContain('cus_private_42');
  });
});

/**
 * The real `stripe` package, its requests answered by a scripted `fetch` (no network): shows what the
 * library sends, which of its errors our retries see, and that it does not retry on its own.
 */
describe('createStripeApi with the stripe package over a scripted fetch', () => {
  type Answer = { status: number; body: unknown; headers?: Record<string, string> };

  function scriptedFetch(answers: Answer[]) {
    const requests: Array<{ url: string; headers: Headers }> = [];
    const fetchFn = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      requests.push({ url: String(url), headers: new Headers(init?.headers) });
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer === undefined) throw new Error('no scripted answer');
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'content-type': 'application/json', 'request-id': `req_${requests.length}`, ...answer.headers },
      });
    };
    return { fetchFn: fetchFn as typeof fetch, requests };
  }

  const customer = (id: string): Answer => ({
    status: 200,
    body: { id, object: 'customer', preferred_locales: ['fr'] },
  });
  const stripeError = (status: number, error: Record<string, string>, headers?: Record<string, string>): Answer => ({
    status,
    body: { error },
    ...(headers === undefined ? {} : { headers }),
  });
  const rateLimit = stripeError(429, {
    type: 'invalid_request_error',
    code: 'rate_limit',
    message: 'Request rate limit exceeded.',
  });

  async function apiOver(answers: Answer[], overrides: Partial<CreateStripeApiOptions> = {}) {
    const { default: StripePackage } = await import('stripe');
    const scripted = scriptedFetch(answers);
    const sleeps: number[] = [];
    // Requests take no time here; only sleeps move the clock, so the limiter never waits in these tests.
    let clock = 0;
    const api = createStripeApi({
      apiKey: async () => 'rk_test_scripted_key',
      apiUrl: 'http://stripe.test:4010',
      httpClient: StripePackage.createFetchHttpClient(scripted.fetchFn),
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      random: () => 0.5,
      retryBaseMs: 100,
      ...overrides,
    });
    return { api, requests: scripted.requests, sleeps, StripePackage };
  }

  it('calls the configured host with Bearer auth, our app name, and no telemetry', async () => {
    // Prepare
    const { api, requests } = await apiOver([customer('cus_1'), customer('cus_2')]);
    // Act
    const found = (await api.retrieveCustomer('cus_1')) as Stripe.Customer;
    await api.retrieveCustomer('cus_2');
    // Assess
    expect(found.preferred_locales).toEqual(['fr']);
    expect(requests.map((request) => request.url)).toEqual([
      'http://stripe.test:4010/v1/customers/cus_1',
      'http://stripe.test:4010/v1/customers/cus_2',
    ]);
    const second = requests[1]?.headers;
    expect(second?.get('authorization')).toBe('Bearer rk_test_scripted_key');
    expect(second?.get('user-agent')).toContain('stripe-webhooks-aws');
    // With telemetry on, stripe-node sends the host's platform and, from the second call, latency metrics.
    expect(second?.get('x-stripe-client-telemetry')).toBeNull();
    expect(second?.get('x-stripe-client-user-agent')).not.toContain('platform');
  });

  it('retries a real StripeRateLimitError itself, once per 429: two requests in all', async () => {
    // Prepare
    const { api, requests, sleeps } = await apiOver([rateLimit, customer('cus_busy')]);
    // Act
    const found = await api.retrieveCustomer('cus_busy');
    // Assess
    expect(found.id).toBe('cus_busy');
    expect(requests).toHaveLength(2);
    expect(sleeps).toEqual([75]);
  });

  it('honours a Retry-After header that stripe-node exposes on error.headers', async () => {
    // Prepare
    const { api, sleeps } = await apiOver([{ ...rateLimit, headers: { 'retry-after': '1' } }, customer('cus_busy')]);
    // Act
    await api.retrieveCustomer('cus_busy');
    // Assess
    expect(sleeps).toEqual([1000]);
  });

  it('turns a real 404 resource_missing into StripeObjectNotFoundError after one request', async () => {
    // Prepare
    const missing = stripeError(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_gone'",
    });
    const { api, requests } = await apiOver([missing]);
    // Act / Assess
    await expect(api.retrieveCustomer('cus_gone')).rejects.toBeInstanceOf(StripeObjectNotFoundError);
    expect(requests).toHaveLength(1);
  });

  it('makes exactly one request per attempt: the library is not retrying 5xx behind our back', async () => {
    // Prepare
    const outage = stripeError(500, { type: 'api_error', message: 'An unknown error occurred.' });
    const { api, requests } = await apiOver([outage], { maxRetries: 2 });
    // Act
    const error = await api.retrieveSubscription('sub_1').catch((caught: unknown) => caught);
    // Assess
    expect(error).toMatchObject({ status: 500, type: 'api_error', requestId: 'req_3' });
    expect(requests).toHaveLength(3);
  });

  it('passes a 401 on without the key, even though stripe-node knows it', async () => {
    // Prepare
    const unauthorized = stripeError(401, {
      type: 'invalid_request_error',
      message: 'Invalid API Key provided: rk_test_****_key',
    });
    const { api, requests } = await apiOver([unauthorized]);
    // Act
    const error = await api.retrieveCustomer('cus_1').catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(StripeApiError);
    expect((error as StripeApiError).status).toBe(401);
    expect((error as Error).message).toContain('Invalid API Key provided: rk_test_****_key');
    expect((error as Error).message).not.toContain('rk_test_scripted_key');
    expect(requests).toHaveLength(1);
  });

  // What the client's comment says about stripe-node's own retries, checked against the installed version.
  it('stripe-node itself, with maxNetworkRetries 2, does not retry a 429', async () => {
    // Prepare
    const { StripePackage } = await apiOver([]);
    const scripted = scriptedFetch([rateLimit]);
    const stripe = new StripePackage('rk_test_scripted_key', {
      maxNetworkRetries: 2,
      httpClient: StripePackage.createFetchHttpClient(scripted.fetchFn),
    });
    // Act
    const error = await stripe.customers.retrieve('cus_1').catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(StripePackage.errors.StripeRateLimitError);
    expect(scripted.requests).toHaveLength(1);
  });
});

describe('createStripeApi loading the stripe package', () => {
  it('loads it on the first lookup, not before, and builds the client as documented', async () => {
    // Prepare: a stand-in for the package that records when it is loaded and how the client is built.
    const loads: string[] = [];
    const built: Array<{ key: string; config: unknown }> = [];
    class StandInStripe {
      readonly customers = { retrieve: async (id: string) => ({ id, object: 'customer' }) };
      readonly subscriptions = { retrieve: async (id: string) => ({ id, object: 'subscription' }) };
      constructor(key: string, config: unknown) {
        built.push({ key, config });
      }
    }
    await jest.isolateModulesAsync(async () => {
      jest.doMock('stripe', () => {
        loads.push('stripe');
        return { __esModule: true, default: StandInStripe };
      });
      const isolated = await import('../../functions/shared/stripe-api/client');
      const api = isolated.createStripeApi({ apiKey: async () => 'rk_test_lazy', apiUrl: 'http://127.0.0.1:12111' });
      await new Promise((resolve) => setImmediate(resolve));
      const loadsBeforeLookup = loads.length;
      // Act
      await api.retrieveCustomer('cus_1');
      await api.retrieveSubscription('sub_1');
      // Assess
      expect(loadsBeforeLookup).toBe(0);
    });
    expect(loads).toEqual(['stripe']);
    expect(built).toEqual([
      {
        key: 'rk_test_lazy',
        config: {
          host: '127.0.0.1',
          port: 12111,
          protocol: 'http',
          telemetry: false,
          timeout: 10_000,
          appInfo: { name: 'stripe-webhooks-aws' },
          maxNetworkRetries: 0,
        },
      },
    ]);
  });
});
