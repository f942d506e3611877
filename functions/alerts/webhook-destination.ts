/**
 * The webhook destination: an https URL kept in Secrets Manager (`alertWebhookSecretName`), posted
 * `{"text": "..."}`, the body a Slack incoming webhook and a Teams incoming webhook both show.
 *
 * Retried inside the invocation, with backoff and a bound on the whole (`budgetMs`, well inside the
 * consumer's timeout): a network error, a timeout, a 5xx or a 429 (its `Retry-After` honoured up to
 * `retryMaxMs`). Still failing after that, the send throws and the consumer's event is retried from the
 * queue (the SNS step already done is not repeated). Any other answer that is not a 2xx (a 4xx: a
 * revoked Slack hook answers 404 `no_service`, 403 `invalid_token`, 410 `channel_is_archived`) is final:
 * retrying would not change it, so it is recorded (an error log line and the `AlertWebhookRejected`
 * metric, dimension `status`) and the send returns, so the step is marked done and the event completes.
 *
 * The URL is a secret (a Slack hook URL is its own credential): it is never logged, and errors name
 * only the status or the network error's code.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorSummary } from '../shared/errors';
import { jitteredBackoffMs, parseRetryAfter } from '../shared/http-retry';
import type { LoggerPort } from '../shared/logger';
import type { DimensionedCounter } from '../shared/metrics';
import type { AlertDestination, BusinessAlert } from './alert-ports';

export interface WebhookAlertDestinationOptions {
  /** The URL, read on the first send and kept (see {@link secretsManagerWebhookUrl}). */
  readonly url: () => Promise<string>;
  readonly logger: LoggerPort;
  readonly metrics: DimensionedCounter;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Attempts in all, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Per attempt. @default 5000 */
  readonly attemptTimeoutMs?: number;
  /** First retry delay, doubling, with jitter. @default 500 */
  readonly retryBaseMs?: number;
  /** Longest wait between attempts, a `Retry-After` included. @default 4000 */
  readonly retryMaxMs?: number;
  /** Most time one send may take, its attempts and waits together. @default 20000 */
  readonly budgetMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** The webhook could not take the alert now (network, timeout, 5xx, 429) after the retries: try again later. */
export class AlertWebhookUnavailableError extends Error {
  readonly status: number | undefined;
  constructor(what: string, attempts: number, status?: number) {
    super(
      `The alert webhook did not take the alert after ${attempts} attempt${attempts === 1 ? '' : 's'} (${what}); ` +
        'the event is retried. Check that the service behind the URL in the ALERT_WEBHOOK_SECRET_ID secret is up.',
    );
    this.name = 'AlertWebhookUnavailableError';
    this.status = status;
  }
}

export class InvalidAlertWebhookUrlError extends Error {
  constructor(secretId: string, problem: string) {
    super(
      `Secrets Manager secret ${secretId} ${problem}. Store the webhook URL itself as the secret string: an https URL ` +
        '(e.g. a Slack or Teams incoming webhook); http is accepted only for localhost.',
    );
    this.name = 'InvalidAlertWebhookUrlError';
  }
}

export class AlertWebhookSecretReadError extends Error {
  constructor(secretId: string, cause: unknown) {
    super(
      `Could not read the alert webhook URL from Secrets Manager secret ${secretId} (${errorSummary(cause)}). Check that it ` +
        "exists in this region and that the function's role may call secretsmanager:GetSecretValue on it.",
      { cause },
    );
    this.name = 'AlertWebhookSecretReadError';
  }
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Checks the secret's value; messages never repeat it (it is a credential). */
export function parseAlertWebhookUrl(secretId: string, value: string | undefined): string {
  const text = value?.trim() ?? '';
  if (text === '') throw new InvalidAlertWebhookUrlError(secretId, 'is empty');
  if (text.startsWith('{'))
    throw new InvalidAlertWebhookUrlError(secretId, 'holds JSON (key/value pairs), not the URL');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidAlertWebhookUrlError(secretId, 'does not hold a URL');
  }
  const local = url.protocol === 'http:' && loopbackHosts.has(url.hostname);
  if (url.protocol !== 'https:' && !local) {
    throw new InvalidAlertWebhookUrlError(secretId, `holds a ${url.protocol.replace(':', '')} URL, not https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidAlertWebhookUrlError(secretId, 'holds a URL with credentials before the host');
  }
  return url.toString();
}

/** A URL source that reads the secret on the first send and keeps it; a failed read is tried again on the next. */
export function secretsManagerWebhookUrl(
  client: SecretsManagerClient | (() => SecretsManagerClient),
  secretId: string,
): () => Promise<string> {
  let url: Promise<string> | undefined;
  return () => {
    url ??= (async () => {
      const secrets = typeof client === 'function' ? client() : client;
      let value: string | undefined;
      try {
        value = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
      } catch (error) {
        throw new AlertWebhookSecretReadError(secretId, error);
      }
      return parseAlertWebhookUrl(secretId, value);
    })().catch((error: unknown) => {
      url = undefined;
      throw error;
    });
    return url;
  };
}

/** Slack reads `&`, `<` and `>` as markup (links, mentions) and asks for them escaped; Teams shows the entities as the characters. */
export function webhookText(alert: BusinessAlert): string {
  const escapeMarkup = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `${escapeMarkup(alert.subject)}\n\n${escapeMarkup(alert.text)}`;
}

/** The network error's code (`ECONNREFUSED`, `TimeoutError`), never its message, which may carry the URL. */
function networkErrorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  return typeof cause?.name === 'string' ? cause.name : error instanceof Error ? error.name : 'network error';
}

export function webhookAlertDestination(options: WebhookAlertDestinationOptions): AlertDestination {
  const post = options.fetch ?? globalThis.fetch;
  const maxAttempts = options.maxAttempts ?? 4;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 4000;
  const budgetMs = options.budgetMs ?? 20_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  return {
    name: 'webhook',
    async send(alert) {
      const url = await options.url();
      const body = JSON.stringify({ text: webhookText(alert) });
      const started = now();
      const ids = { eventId: alert.eventId, kind: alert.kind };
      for (let attempt = 1; ; attempt += 1) {
        let status: number | undefined;
        let waitMs: number | undefined;
        let problem: string;
        try {
          const response = await post(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            // A redirect is not followed: the alert goes to the URL stored, nowhere else.
            redirect: 'manual',
            signal: AbortSignal.timeout(Math.min(attemptTimeoutMs, Math.max(1, budgetMs - (now() - started)))),
          });
          status = response.status;
          if (status >= 200 && status < 300) {
            await response.body?.cancel();
            options.logger.info('Alert posted to the webhook', { ...ids, status, attempt });
            return;
          }
          // Slack says why in a short text body (`no_service`, `invalid_payload`); 200 characters at most, sanitized.
          const answer = (await response.text().catch(() => '')).replace(/[^\w .:-]/g, '').slice(0, 200);
          if (status !== 429 && status < 500) {
            options.metrics.count('AlertWebhookRejected', 1, { status: String(status) });
            options.logger.error('The alert webhook refused the alert; it will not be retried', {
              ...ids,
              status,
              answer,
              outcome: 'alert_webhook_rejected',
            });
            return;
          }
          waitMs = parseRetryAfter(response.headers.get('retry-after'), now());
          problem = `HTTP ${status}`;
        } catch (error) {
          problem = networkErrorCode(error);
        }
        const backoff = jitteredBackoffMs(attempt, retryBaseMs, retryMaxMs, random);
        const delayMs = Math.max(backoff, waitMs ?? 0);
        const outOfTime = now() - started + delayMs + 1 >= budgetMs || (waitMs ?? 0) > retryMaxMs;
        if (attempt >= maxAttempts || outOfTime) {
          throw new AlertWebhookUnavailableError(problem, attempt, status);
        }
        options.logger.warn('The alert webhook did not take the alert; retrying', {
          ...ids,
          problem,
          attempt,
          delayMs: Math.round(delayMs),
        });
        await sleep(delayMs);
      }
    },
  };
}
