import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  parseSigningSecrets,
  SigningSecretConfigurationError,
  secretsManagerSigningSecrets,
} from '../../functions/receiver/signing-secrets';

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

describe('secretsManagerSigningSecrets', () => {
  function fakeClient(responses: (() => Promise<{ SecretString?: string }>)[]) {
    let calls = 0;
    const client = {
      send: () => {
        const response = responses[Math.min(calls, responses.length - 1)];
        calls += 1;
        return response ? response() : Promise.reject(new Error('no response'));
      },
    } as unknown as SecretsManagerClient;
    return { client, calls: () => calls };
  }

  it('loads the secret once while it is fresh, even for concurrent requests', async () => {
    // Prepare
    const { client, calls } = fakeClient([async () => ({ SecretString: 'whsec_cached' })]);
    const secrets = secretsManagerSigningSecrets(client, 'id');
    // Act
    const results = await Promise.all([secrets(), secrets(), secrets()]);
    // Assess
    expect(results).toEqual([['whsec_cached'], ['whsec_cached'], ['whsec_cached']]);
    expect(calls()).toBe(1);
  });

  it('reads the secret again once it is older than maxAgeMs, so a rolled secret is picked up', async () => {
    // Prepare
    let clock = 0;
    const { client, calls } = fakeClient([
      async () => ({ SecretString: 'whsec_before_roll' }),
      async () => ({ SecretString: 'whsec_before_roll,whsec_after_roll' }),
    ]);
    const secrets = secretsManagerSigningSecrets(client, 'id', { maxAgeMs: 1000, now: () => clock });
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
    const secrets = secretsManagerSigningSecrets(client, 'id', { maxAgeMs: 60_000, now: () => clock });
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
    const secrets = secretsManagerSigningSecrets(client, 'id');
    // Act
    await expect(secrets()).rejects.toThrow('throttled');
    const second = await secrets();
    // Assess
    expect(second).toEqual(['whsec_second_try']);
    expect(calls()).toBe(2);
  });
});
