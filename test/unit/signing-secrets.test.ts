import {
  loadSigningSecretsAtStart,
  parseSigningSecrets,
  type ReadSecretString,
  SigningSecretConfigurationError,
  secretsManagerSigningSecrets,
} from '../../functions/receiver/signing-secrets';
import { RecordingLogger } from '../../tools/testing/consumer-fakes';

describe('parseSigningSecrets', () => {
  it('reads one or several secrets separated by commas, spaces or newlines', () => {
    expect(parseSigningSecrets(' whsec_one,whsec_two\nwhsec_three \n', 'id')).toEqual([
      'whsec_one',
      'whsec_two',
      'whsec_three',
    ]);
  });

  it('refuses a value that is not a webhook signing secret and says how to set it', () => {
    // Act / Assess
    expect(() => parseSigningSecrets('not-a-signing-secret', 'stripe-webhooks/dev/signing-secret')).toThrow(
      SigningSecretConfigurationError,
    );
    expect(() => parseSigningSecrets('not-a-signing-secret', 'stripe-webhooks/dev/signing-secret')).toThrow(
      /put-secret-value --secret-id stripe-webhooks\/dev\/signing-secret/,
    );
    expect(() => parseSigningSecrets('  ', 'id')).toThrow(/is empty/);
  });

  it('never repeats the refused value in its message', () => {
    expect(() => parseSigningSecrets('value-that-must-not-leak', 'id')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('value-that-must-not-leak') }),
    );
  });
});

describe('parseSigningSecrets: mistakes an operator makes', () => {
  it.each([
    ['a secret API key', 'sk_live_not_a_real_key_for_tests'],
    ['a restricted key', 'rk_test_not_a_real_key_for_tests'],
    ['a publishable key', 'pk_live_not_a_real_key_for_tests'],
    ['an API key beside a signing secret', 'whsec_good_one,sk_test_not_a_real_key_for_tests'],
  ])('refuses %s and says it is an API key, without repeating it', (_label, value) => {
    // Act
    let error: unknown;
    try {
      parseSigningSecrets(value, 'stripe-webhooks/dev/signing-secret');
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(SigningSecretConfigurationError);
    const { message } = error as Error;
    expect(message).toContain('this is a Stripe API key, not a webhook signing secret (whsec_...)');
    expect(message).toContain('stripe-webhooks/dev/signing-secret');
    expect(message).not.toContain('51HxAbCdEf');
  });

  it('trims whitespace around the value with a warning that names the secret, not the value', () => {
    // Prepare
    const logger = new RecordingLogger();
    // Act
    const secrets = parseSigningSecrets(
      '\n whsec_with_a_trailing_newline\n',
      'stripe-webhooks/dev/signing-secret',
      logger,
    );
    // Assess
    expect(secrets).toEqual(['whsec_with_a_trailing_newline']);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: expect.stringContaining('trimmed'),
        details: { secretId: 'stripe-webhooks/dev/signing-secret', outcome: 'secret_trimmed' },
      },
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain('whsec_with');
  });

  it('does not warn about a clean value', () => {
    // Prepare
    const logger = new RecordingLogger();
    // Act
    parseSigningSecrets('whsec_old,whsec_new', 'id', logger);
    // Assess
    expect(logger.lines).toEqual([]);
  });
});

describe('secretsManagerSigningSecrets', () => {
  function fakeClient(responses: (() => Promise<{ SecretString?: string }>)[]) {
    let calls = 0;
    // A GetSecretValue that answers each call with the next response.
    const client: ReadSecretString = async () => {
      const response = responses[Math.min(calls, responses.length - 1)];
      calls += 1;
      return response ? (await response()).SecretString : Promise.reject(new Error('no response'));
    };
    return { client, calls: () => calls };
  }

  it('loads the secret once while it is fresh, even for concurrent requests', async () => {
    // Prepare
    const { client, calls } = fakeClient([async () => ({ SecretString: 'whsec_cached' })]);
    const secrets = secretsManagerSigningSecrets(client, 'id').current;
    // Act
    const results = await Promise.all([secrets(), secrets(), secrets()]);
    // Assess
    expect(results).toEqual([['whsec_cached'], ['whsec_cached'], ['whsec_cached']]);
    expect(calls()).toBe(1);
  });

  it('hands the secrets over without a promise only while they are fresh, so a request need not wait', async () => {
    // Prepare
    let clock = 0;
    const { client } = fakeClient([async () => ({ SecretString: 'whsec_cached' })]);
    const source = secretsManagerSigningSecrets(client, 'id', { maxAgeMs: 1000, now: () => clock });
    // Act
    const beforeLoad = source.cached();
    await source.current();
    const fresh = source.cached();
    clock = 1000;
    const stale = source.cached();
    // Assess
    expect(beforeLoad).toBeUndefined();
    expect(fresh).toEqual(['whsec_cached']);
    expect(stale).toBeUndefined();
  });

  it('reads the secret again once it is older than maxAgeMs, so a rolled secret is picked up', async () => {
    // Prepare
    let clock = 0;
    const { client, calls } = fakeClient([
      async () => ({ SecretString: 'whsec_before_roll' }),
      async () => ({ SecretString: 'whsec_before_roll,whsec_after_roll' }),
    ]);
    const secrets = secretsManagerSigningSecrets(client, 'id', { maxAgeMs: 1000, now: () => clock }).current;
    // Act
    const first = await secrets();
    clock = 999;
    const cached = await secrets();
    clock = 1000;
    const refreshed = await secrets();
    // Assess
    expect(first).toEqual(['whsec_before_roll']);
    expect(cached).toEqual(['whsec_before_roll']);
    expect(refreshed).toEqual(['whsec_before_roll', 'whsec_after_roll']);
    expect(calls()).toBe(2);
  });

  it('keeps the last good secret when a refresh fails', async () => {
    // Prepare
    let clock = 0;
    const { client, calls } = fakeClient([
      async () => ({ SecretString: 'whsec_last_good' }),
      async () => {
        throw new Error('Secrets Manager unavailable');
      },
    ]);
    const secrets = secretsManagerSigningSecrets(client, 'id', { maxAgeMs: 60_000, now: () => clock }).current;
    await secrets();
    clock = 60_000;
    // Act
    const duringOutage = await secrets();
    clock = 60_000 + 29_999;
    await secrets();
    const readsBeforeBackoffEnds = calls();
    clock = 60_000 + 30_000;
    await secrets();
    // Assess: served the last good value, and retried only after 30 s
    expect(duringOutage).toEqual(['whsec_last_good']);
    expect(readsBeforeBackoffEnds).toBe(2);
    expect(calls()).toBe(3);
  });

  it('does not cache a failed load', async () => {
    // Prepare
    const { client, calls } = fakeClient([
      async () => {
        throw new Error('throttled');
      },
      async () => ({ SecretString: 'whsec_second_try' }),
    ]);
    const secrets = secretsManagerSigningSecrets(client, 'id').current;
    // Act
    await expect(secrets()).rejects.toThrow('throttled');
    const second = await secrets();
    // Assess
    expect(second).toEqual(['whsec_second_try']);
    expect(calls()).toBe(2);
  });

  it('remembers a value that cannot be a signing secret for 10 s instead of reading it for every request', async () => {
    // Prepare
    let clock = 0;
    const { client, calls } = fakeClient([
      async () => ({ SecretString: 'sk_live_stored_by_mistake' }),
      async () => ({ SecretString: 'whsec_fixed' }),
    ]);
    const secrets = secretsManagerSigningSecrets(client, 'id', { now: () => clock }).current;
    // Act
    await expect(secrets()).rejects.toThrow(SigningSecretConfigurationError);
    clock = 9_999;
    await expect(secrets()).rejects.toThrow(/Stripe API key/);
    const readsWhileRemembered = calls();
    clock = 10_000;
    const fixed = await secrets();
    // Assess
    expect(readsWhileRemembered).toBe(1);
    expect(fixed).toEqual(['whsec_fixed']);
    expect(calls()).toBe(2);
  });

  it('keeps the last good secret when a bad value is stored later, and says so without the value', async () => {
    // Prepare
    let clock = 0;
    const logger = new RecordingLogger();
    const { client } = fakeClient([
      async () => ({ SecretString: 'whsec_last_good' }),
      async () => ({ SecretString: 'sk_live_pasted_by_mistake' }),
    ]);
    const secrets = secretsManagerSigningSecrets(client, 'id', { maxAgeMs: 1000, now: () => clock, logger }).current;
    await secrets();
    clock = 1000;
    // Act
    const afterBadValue = await secrets();
    // Assess
    expect(afterBadValue).toEqual(['whsec_last_good']);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        details: expect.objectContaining({ outcome: 'secret_refresh_failed' }),
      }),
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain('pasted_by_mistake');
  });
});

describe('secretsManagerSigningSecrets: re-read after a signature mismatch', () => {
  function rollingClient(values: string[]) {
    let calls = 0;
    const client: ReadSecretString = async () => {
      const value = values[Math.min(calls, values.length - 1)];
      calls += 1;
      if (value === 'fail') throw new Error('Secrets Manager unavailable');
      return value;
    };
    return { client, calls: () => calls };
  }

  it('re-reads at once when the cached value is at least 60 s old, so a just-rolled secret works', async () => {
    // Prepare
    let clock = 0;
    const { client, calls } = rollingClient(['whsec_before_roll', 'whsec_before_roll,whsec_after_roll']);
    const source = secretsManagerSigningSecrets(client, 'id', { now: () => clock });
    await source.current();
    clock = 60_000;
    // Act
    const refreshed = await source.refreshAfterMismatch();
    const current = await source.current();
    // Assess
    expect(refreshed).toEqual(['whsec_before_roll', 'whsec_after_roll']);
    expect(current).toEqual(['whsec_before_roll', 'whsec_after_roll']);
    expect(calls()).toBe(2);
  });

  it('does not re-read a value younger than 60 s', async () => {
    // Prepare
    let clock = 0;
    const { client, calls } = rollingClient(['whsec_one', 'whsec_two']);
    const source = secretsManagerSigningSecrets(client, 'id', { now: () => clock });
    await source.current();
    clock = 59_999;
    // Act
    const refreshed = await source.refreshAfterMismatch();
    // Assess
    expect(refreshed).toBeUndefined();
    expect(calls()).toBe(1);
  });

  it('re-reads at most once a minute however many bad signatures arrive', async () => {
    // Prepare: a secret loaded long ago, then a flood of mismatches, one every 10 ms for 2.5 minutes
    let clock = 0;
    const { client, calls } = rollingClient(['whsec_current']);
    const source = secretsManagerSigningSecrets(client, 'id', { now: () => clock, maxAgeMs: 3_600_000 });
    await source.current();
    clock = 120_000;
    // Act
    for (let i = 0; i < 15_000; i += 1) {
      clock += 10;
      await source.refreshAfterMismatch();
    }
    // Assess: the first load, then one re-read per 60 s (at 120 s, 180 s and 240 s)
    expect(calls()).toBe(1 + 3);
  });

  it('counts a failed re-read against the limit and keeps the last good value', async () => {
    // Prepare
    let clock = 0;
    const logger = new RecordingLogger();
    const { client, calls } = rollingClient(['whsec_last_good', 'fail', 'whsec_new']);
    const source = secretsManagerSigningSecrets(client, 'id', { now: () => clock, logger });
    await source.current();
    clock = 60_000;
    // Act
    const failed = await source.refreshAfterMismatch();
    // Before both the forced-refresh limit and the 30 s retry after a failed read
    clock = 89_999;
    const tooSoon = await source.refreshAfterMismatch();
    const current = await source.current();
    // Assess
    expect(failed).toBeUndefined();
    expect(tooSoon).toBeUndefined();
    expect(current).toEqual(['whsec_last_good']);
    expect(calls()).toBe(2);
    expect(logger.lines.map((line) => line.details.outcome)).toEqual(['secret_refresh_failed']);
  });

  it('does nothing before the first load', async () => {
    // Prepare
    const { client, calls } = rollingClient(['whsec_one']);
    const source = secretsManagerSigningSecrets(client, 'id');
    // Act
    const refreshed = await source.refreshAfterMismatch();
    // Assess
    expect(refreshed).toBeUndefined();
    expect(calls()).toBe(0);
  });
});

describe('loadSigningSecretsAtStart', () => {
  it('loads the secret so that the first request finds it cached', async () => {
    // Prepare
    let reads = 0;
    const client: ReadSecretString = async () => {
      reads += 1;
      return 'whsec_loaded_at_start';
    };
    const source = secretsManagerSigningSecrets(client, 'id');
    // Act
    await loadSigningSecretsAtStart(source, 'id', new RecordingLogger());
    const first = await source.current();
    // Assess
    expect(first).toEqual(['whsec_loaded_at_start']);
    expect(reads).toBe(1);
  });

  it('never rejects on a bad value: it logs why, without the value, and requests keep getting an answer', async () => {
    // Prepare
    const logger = new RecordingLogger();
    const client: ReadSecretString = async () => 'sk_live_not_a_real_key';
    const source = secretsManagerSigningSecrets(client, 'stripe-webhooks/prod/signing-secret');
    // Act
    await expect(
      loadSigningSecretsAtStart(source, 'stripe-webhooks/prod/signing-secret', logger),
    ).resolves.toBeUndefined();
    // Assess
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: expect.stringContaining('at start'),
        details: {
          secretId: 'stripe-webhooks/prod/signing-secret',
          outcome: 'secret_unavailable',
          error: expect.stringContaining('this is a Stripe API key, not a webhook signing secret'),
        },
      },
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain('51HxAbCdEf');
  });
});
