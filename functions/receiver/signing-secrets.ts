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

export interface SigningSecretCacheOptions {
  /** How long loaded secrets are used before they are read again, so a rolled secret is picked up without a redeploy. @default 300_000 */
  readonly maxAgeMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Loads the signing secrets from Secrets Manager, keeps them in memory for `maxAgeMs`, then reads
 * them again. Concurrent requests share one read. If a refresh fails, the last good value stays in
 * use (the endpoint keeps working through a Secrets Manager outage) and the refresh is retried 30 s
 * later; a first load that fails is not cached, so the next request tries again.
 */
export function secretsManagerSigningSecrets(
  client: SecretsManagerClient,
  secretId: string,
  options: SigningSecretCacheOptions = {},
): () => Promise<string[]> {
  const maxAgeMs = options.maxAgeMs ?? 300_000;
  const retryAfterFailureMs = Math.min(30_000, maxAgeMs);
  const now = options.now ?? Date.now;
  let current: { secrets: string[]; refreshAt: number } | undefined;
  let loading: Promise<string[]> | undefined;

  const load = (): Promise<string[]> => {
    loading ??= client
      .send(new GetSecretValueCommand({ SecretId: secretId }))
      .then((output) => {
        const secrets = parseSigningSecrets(output.SecretString ?? '', secretId);
        current = { secrets, refreshAt: now() + maxAgeMs };
        return secrets;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  return async () => {
    if (current === undefined) return load();
    if (now() < current.refreshAt) return current.secrets;
    const stale = current.secrets;
    return load().catch(() => {
      // Not every request should wait on a failing Secrets Manager: try again a little later.
      current = { secrets: stale, refreshAt: now() + retryAfterFailureMs };
      return stale;
    });
  };
}
