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

  it('loads the secret once per container', async () => {
    // Prepare
    const { client, calls } = fakeClient([async () => ({ SecretString: 'whsec_cached' })]);
    const secrets = secretsManagerSigningSecrets(client, 'id');
    // Act
    const results = await Promise.all([secrets(), secrets(), secrets()]);
    // Assess
    expect(results).toEqual([['whsec_cached'], ['whsec_cached'], ['whsec_cached']]);
    expect(calls()).toBe(1);
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
