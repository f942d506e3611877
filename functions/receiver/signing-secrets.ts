import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export class SigningSecretConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningSecretConfigurationError';
  }
}

/**
 * Parses a stored signing-secret value. Several secrets may be stored, separated by commas or
 * whitespace (for example while rolling a secret, or for a Connect endpoint beside an account
 * endpoint); a request signed with any of them is accepted.
 */
export function parseSigningSecrets(value: string, secretId: string): string[] {
  const secrets = value.split(/[\s,]+/).filter((part) => part.length > 0);
  const fix = `Set it with: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string 'whsec_...' (the endpoint's signing secret from the Stripe Dashboard or \`stripe listen\`).`;
  if (secrets.length === 0) throw new SigningSecretConfigurationError(`The secret ${secretId} is empty. ${fix}`);
  const notSigningSecrets = secrets.filter((secret) => !secret.startsWith('whsec_')).length;
  if (notSigningSecrets > 0) {
    throw new SigningSecretConfigurationError(
      `The secret ${secretId} holds ${notSigningSecrets} value(s) that are not Stripe webhook signing secrets (those start with whsec_). ${fix}`,
    );
  }
  return secrets;
}

/**
 * Loads the signing secrets from Secrets Manager once per container and serves them from memory
 * afterwards; a failed load is not cached, so the next request tries again.
 */
export function secretsManagerSigningSecrets(client: SecretsManagerClient, secretId: string): () => Promise<string[]> {
  let cached: Promise<string[]> | undefined;
  return () => {
    if (cached === undefined) {
      const loading = client
        .send(new GetSecretValueCommand({ SecretId: secretId }))
        .then((output) => parseSigningSecrets(output.SecretString ?? '', secretId));
      loading.catch(() => {
        if (cached === loading) cached = undefined;
      });
      cached = loading;
    }
    return cached;
  };
}
