import type { AwsJsonClient } from '../shared/aws-json-client';
import { errorSummary } from '../shared/errors';
import type { LoggerPort } from '../shared/logger';

export class SigningSecretConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningSecretConfigurationError';
  }
}

/** Where the secret source reports what an operator should know. Never given a secret value. */
export type SigningSecretLogger = Pick<LoggerPort, 'warn' | 'error'>;

// Stripe API keys: secret (sk_), restricted (rk_) and publishable (pk_), live or test. They sit next
// to the webhook secret in the Dashboard and are a classic copy-paste mistake.
const apiKeyPattern = /^(sk|rk|pk)_/;

/**
 * Parses a stored signing-secret value. Several secrets may be stored, separated by commas or
 * whitespace (for example while rolling a secret, or for a Connect endpoint beside an account
 * endpoint); a request signed with any of them is accepted. Whitespace around the value (a trailing
 * newline from `echo`, a space from copy-paste) is trimmed, with a warning so the operator can clean it.
 * Error messages and warnings name the secret, never its value.
 */
export function parseSigningSecrets(
  value: string,
  secretId: string,
  logger?: Pick<SigningSecretLogger, 'warn'>,
): string[] {
  const secrets = value.split(/[\s,]+/).filter((part) => part.length > 0);
  const fix = `Set it with: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string 'whsec_...' (the endpoint's signing secret from the Stripe Dashboard or \`stripe listen\`).`;
  if (secrets.length === 0) throw new SigningSecretConfigurationError(`The secret ${secretId} is empty. ${fix}`);
  const apiKey = secrets.find((secret) => apiKeyPattern.test(secret));
  if (apiKey !== undefined) {
    throw new SigningSecretConfigurationError(
      `The secret ${secretId} holds a value starting with ${apiKey.slice(0, 3)}: this is a Stripe API key, not a webhook signing secret (whsec_...). ` +
        `Copy the signing secret from the webhook endpoint's page instead, and keep API keys out of this secret. ${fix}`,
    );
  }
  const notSigningSecrets = secrets.filter((secret) => !secret.startsWith('whsec_')).length;
  if (notSigningSecrets > 0) {
    throw new SigningSecretConfigurationError(
      `The secret ${secretId} holds ${notSigningSecrets} value(s) that are not Stripe webhook signing secrets (those start with whsec_). ${fix}`,
    );
  }
  if (value !== value.trim()) {
    logger?.warn('The stored signing secret has whitespace around it; it was trimmed', {
      secretId,
      outcome: 'secret_trimmed',
    });
  }
  return secrets;
}

export interface SigningSecretCacheOptions {
  /** How long loaded secrets are used before they are read again, so a rolled secret is picked up without a redeploy. @default 300_000 */
  readonly maxAgeMs?: number;
  /**
   * After a signature mismatch, the secret is re-read at once if the cached value is at least this
   * old, and at most once per this interval, however many mismatches arrive. @default 60_000
   */
  readonly forcedRefreshIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly logger?: SigningSecretLogger;
}

/** The endpoint's signing secrets, cached. */
export interface SigningSecretSource {
  /** The secrets to verify with: cached, re-read when older than `maxAgeMs`. Rejects only if none were ever loaded. */
  readonly current: () => Promise<string[]>;
  /**
   * The cached secrets while they are fresh (what `current` would resolve to at once), else undefined:
   * lets the receiver skip an `await` per request (8 to 10 % of receiveWebhook's time for a 3 KB event,
   * measured with and without it side by side in one process, 41 paired rounds of bench/timing.ts).
   */
  readonly cached: () => string[] | undefined;
  /**
   * Called after a signature did not match: re-reads the secret if that is allowed now (see
   * `forcedRefreshIntervalMs`) and resolves to what it read, so that a secret rolled a moment ago
   * works at once. Resolves to `undefined` when it did not re-read, or the re-read failed.
   */
  readonly refreshAfterMismatch: () => Promise<string[] | undefined>;
}

/** Reads a secret's current string value (`SecretString`; undefined when it has none). */
export type ReadSecretString = (secretId: string) => Promise<string | undefined>;

/** GetSecretValue through the receiver's light AWS client (functions/shared/aws-json-client.ts). */
export function secretsManagerReader(client: AwsJsonClient, endpoint: URL): ReadSecretString {
  return async (secretId) => {
    const output = (await client({
      service: 'secretsmanager',
      target: 'secretsmanager.GetSecretValue',
      jsonVersion: '1.1',
      endpoint,
      payload: { SecretId: secretId },
    })) as { SecretString?: unknown };
    return typeof output.SecretString === 'string' ? output.SecretString : undefined;
  };
}

/** How long a value that cannot be a signing secret is remembered before the next read. */
const refusedValueRetryMs = 10_000;

/**
 * Loads the signing secrets from Secrets Manager and keeps them in memory for `maxAgeMs`, then reads
 * them again; concurrent requests share one read. If a re-read fails, the last good value stays in
 * use (the endpoint keeps working through a Secrets Manager outage, or after a bad value was stored)
 * and the read is retried 30 s later. A first load that fails is not cached, so the next request tries
 * again; but a stored value that cannot be a signing secret (empty, an API key, ...) is remembered for
 * 10 s, so that a stream of requests does not read it again and again before an operator fixes it.
 *
 * Forced re-reads after mismatches are rate-limited per container: bad signatures from anyone cost at
 * most one Secrets Manager call per `forcedRefreshIntervalMs`.
 */
export function secretsManagerSigningSecrets(
  readSecret: ReadSecretString,
  secretId: string,
  options: SigningSecretCacheOptions = {},
): SigningSecretSource {
  const maxAgeMs = options.maxAgeMs ?? 300_000;
  const forcedRefreshIntervalMs = options.forcedRefreshIntervalMs ?? 60_000;
  const retryAfterFailureMs = Math.min(30_000, maxAgeMs);
  const now = options.now ?? Date.now;
  const { logger } = options;
  let cached: { secrets: string[]; loadedAt: number; refreshAt: number } | undefined;
  let refused: { error: SigningSecretConfigurationError; until: number } | undefined;
  let loading: Promise<string[]> | undefined;
  let lastForcedRefreshAt = Number.NEGATIVE_INFINITY;

  const load = (): Promise<string[]> => {
    loading ??= readSecret(secretId)
      .then((value) => {
        const secrets = parseSigningSecrets(value ?? '', secretId, logger);
        const loadedAt = now();
        cached = { secrets, loadedAt, refreshAt: loadedAt + maxAgeMs };
        refused = undefined;
        return secrets;
      })
      .catch((error: unknown) => {
        if (error instanceof SigningSecretConfigurationError) {
          refused = { error, until: now() + refusedValueRetryMs };
        }
        throw error;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  const keepLastGood = (lastGood: NonNullable<typeof cached>, error: unknown): string[] => {
    // Not every request should wait on a failing Secrets Manager: try again a little later.
    cached = { ...lastGood, refreshAt: now() + retryAfterFailureMs };
    logger?.error('Could not re-read the signing secret; the last good value stays in use', {
      secretId,
      outcome: 'secret_refresh_failed',
      error: errorSummary(error),
    });
    return lastGood.secrets;
  };

  const current = async (): Promise<string[]> => {
    if (cached === undefined) {
      if (refused !== undefined && now() < refused.until) throw refused.error;
      return load();
    }
    if (now() < cached.refreshAt) return cached.secrets;
    const lastGood = cached;
    return load().catch((error: unknown) => keepLastGood(lastGood, error));
  };

  const refreshAfterMismatch = async (): Promise<string[] | undefined> => {
    // Nothing cached: the mismatching request was verified against a value read just now.
    if (cached === undefined) return undefined;
    const at = now();
    if (at - cached.loadedAt < forcedRefreshIntervalMs || at - lastForcedRefreshAt < forcedRefreshIntervalMs) {
      return undefined;
    }
    lastForcedRefreshAt = at;
    const lastGood = cached;
    try {
      return await load();
    } catch (error) {
      keepLastGood(lastGood, error);
      return undefined;
    }
  };

  const cachedIfFresh = (): string[] | undefined =>
    cached !== undefined && now() < cached.refreshAt ? cached.secrets : undefined;

  return { current, cached: cachedIfFresh, refreshAfterMismatch };
}

/**
 * Starts loading the secret while the function initializes, so the first request does not wait for
 * it and a misconfigured secret is reported in the cold start's logs. Never rejects: a container
 * that crashed on a bad secret would answer nothing useful, whereas one that keeps running answers
 * 500 `signing_secret_unavailable` (Stripe retries) and picks up the fixed value by itself.
 */
export async function loadSigningSecretsAtStart(
  source: SigningSecretSource,
  secretId: string,
  logger: Pick<SigningSecretLogger, 'error'>,
): Promise<void> {
  try {
    await source.current();
  } catch (error) {
    logger.error('Signing secret unavailable at start; requests get 500 until it is fixed', {
      secretId,
      outcome: 'secret_unavailable',
      error: errorSummary(error),
    });
  }
}
