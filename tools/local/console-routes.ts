/**
 * The local console of `npm start`: the page at `/` (plain files in tools/local/console/, no build
 * step, nothing from a CDN) and the JSON it reads and posts under `/_local/`. Buttons act through the
 * pipeline's own front door: a trigger or a resend is a signed POST to `/webhook` (or the envelope to
 * `/_local/eventbridge`), exactly as Stripe or `npm run trigger` would make it.
 *
 * Only for a loopback listener: requests must name a loopback host (no DNS rebinding), and the
 * actions take `application/json` from the page's own origin (a cross-site form cannot send that
 * without a preflight, which is never answered).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { StripeApiError } from '../../functions/shared/stripe-api/port';
import { applyOverrides, buildAnyEvent, snapshotEventTypes, thinEventTypes } from '../event-catalogue';
import { redriveDeadLetters } from '../redrive-dead-letters';
import { signedDelivery } from '../signed-delivery';
import { InvalidEventOptionError, signStripePayload, stripeDeliveryHeaders } from '../stripe-events';
import { defaultMaxLocalAlerts, type LocalAlertRecorder } from './alerts-recorder';
import { describeSyncOutcome } from './billing-sync';
import { BillingStateTableMissingError, type LocalCustomers } from './customers-view';
import { peekDeadLetters } from './dead-letter-view';
import type { EventLog } from './event-log';
import { readBody, sendJson } from './http-io';
import { listSuppressions, removeSuppression, SuppressionTableMissingError } from './suppression-view';

export interface ConsoleRoutesOptions {
  readonly log: Pick<EventLog, 'events' | 'detail' | 'emails' | 'print'>;
  /** The pipeline's own base URL, known once it listens, e.g. `http://127.0.0.1:4242`. */
  readonly selfUrl: () => string;
  /** The secret that triggers and resends sign with: the first the receiver accepts. */
  readonly signingSecret: string;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly dynamodb: DynamoDBClient;
  /** The table of suppressed recipients the SES events handler writes and the consumer reads. */
  readonly suppressionTableName: string;
  /** The billing state table and its "Sync now"; absent when the feature is off. */
  readonly customers?: LocalCustomers;
  /** The business alerts recorded; absent when the feature is off. */
  readonly alerts?: Pick<LocalAlertRecorder, 'list'>;
}

export interface ConsoleRoutes {
  /** Answers the request and returns true when it is one of the console's, else false. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>;
}

const assetsDirectory = join(__dirname, 'console');
/** The page's script: app.js and a module per view, which it imports. */
const consoleModules = [
  'app.js',
  'core.js',
  'events-view.js',
  'deliveries-view.js',
  'dead-letters-view.js',
  'suppressions-view.js',
  'customers-view.js',
  'alerts-view.js',
];
/** The files the page is made of; nothing else on disk is served. */
const assets: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  ...Object.fromEntries(
    consoleModules.map((file) => [`/_local/console/${file}`, { file, type: 'text/javascript; charset=utf-8' }]),
  ),
  '/_local/console/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

// The page runs no inline script and loads nothing from elsewhere; emails render in a sandboxed srcdoc iframe.
const contentSecurityPolicy =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/** `?limit=` of `/_local/alerts`: 1 to the recorder's bound, all of them when absent. */
function alertLimitOf(url: URL): number {
  const limit = url.searchParams.get('limit');
  if (limit === null) return defaultMaxLocalAlerts;
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > defaultMaxLocalAlerts) {
    throw new ConsoleRequestError(
      400,
      'invalid_limit',
      `limit=${limit} is not a whole number from 1 to ${defaultMaxLocalAlerts} (the alerts kept).`,
    );
  }
  return Number(limit);
}

/** Stripe's ids are letters, digits and underscores; the sync takes nothing else. */
const stripeIdPattern = /^[A-Za-z0-9_]{1,255}$/;

function isLoopbackHost(host: string | undefined): boolean {
  const name = (host ?? '').replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

class ConsoleRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleRequestError';
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new ConsoleRequestError(415, 'json_required', 'Send the request as application/json.');
  }
  const text = (await readBody(request))?.toString('utf8') ?? '';
  try {
    const value = JSON.parse(text || '{}') as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new ConsoleRequestError(400, 'invalid_json', 'The body must be a JSON object.');
}

export function consoleRoutes(options: ConsoleRoutesOptions): ConsoleRoutes {
  const { log } = options;

  /** POSTs a delivery to the pipeline's own endpoint and reports what it answered. */
  async function deliver(path: string, body: string, headers: Readonly<Record<string, string>>) {
    const response = await fetch(new URL(path, options.selfUrl()), { method: 'POST', headers, body });
    const text = await response.text();
    let answer: unknown = text;
    try {
      answer = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: response.status, answer };
  }

  async function trigger(request: IncomingMessage) {
    const input = await readJson(request);
    const type = typeof input.type === 'string' ? input.type.trim() : '';
    const via = input.via === 'eventbridge' ? 'eventbridge' : 'webhook';
    const overrides = Array.isArray(input.overrides)
      ? input.overrides.filter((o): o is string => typeof o === 'string' && o.trim() !== '').map((o) => o.trim())
      : [];
    let event: ReturnType<typeof buildAnyEvent>['event'];
    try {
      ({ event } = buildAnyEvent(type));
      applyOverrides(event, overrides);
    } catch (error) {
      throw new ConsoleRequestError(400, 'cannot_build', (error as Error).message);
    }
    const delivery = signedDelivery(event, { secret: options.signingSecret, via });
    return { id: event.id, type, via, ...(await deliver(delivery.path, delivery.body, delivery.headers)) };
  }

  /** The same bytes again, with a fresh signature (Stripe re-signs every retry): the consumer should see a duplicate. */
  async function resend(id: string) {
    const detail = log.detail(id);
    if (!detail?.body) throw new ConsoleRequestError(404, 'unknown_event', `No delivered body for event ${id}.`);
    if (detail.event.delivery === 'eventbridge') {
      return { id, ...(await deliver('/_local/eventbridge', detail.body, { 'content-type': 'application/json' })) };
    }
    const signature = signStripePayload(detail.body, options.signingSecret);
    return {
      id,
      ...(await deliver('/webhook', detail.body, { ...stripeDeliveryHeaders, 'stripe-signature': signature })),
    };
  }

  /** The suppression table, each entry with the event whose email bounced or was complained about. */
  async function suppressions() {
    const eventOfMessage = new Map((await log.emails()).map((email) => [email.messageId, email.eventId]));
    return listSuppressions(options.dynamodb, options.suppressionTableName, eventOfMessage);
  }

  function customersOrOff(): LocalCustomers {
    if (options.customers) return options.customers;
    throw new ConsoleRequestError(
      404,
      'billing_state_off',
      'The billing state feature is off in this pipeline: start it without --no-billing-state (or BILLING_STATE=off) to keep customers in sync.',
    );
  }

  function alertsOrOff(): Pick<LocalAlertRecorder, 'list'> {
    if (options.alerts) return options.alerts;
    throw new ConsoleRequestError(
      404,
      'business_alerts_off',
      'The business alerts are off in this pipeline: start it without --no-business-alerts (or BUSINESS_ALERTS=off) to record them.',
    );
  }

  /** The customer id of the path and the `?account=acct_...` of the query, both checked. */
  function customerOf(encodedId: string, url: URL): { customerId: string; account: string | null } {
    const customerId = decodeURIComponent(encodedId);
    const account = url.searchParams.get('account')?.trim() || null;
    if (!stripeIdPattern.test(customerId)) {
      throw new ConsoleRequestError(
        400,
        'invalid_customer',
        `${JSON.stringify(customerId)} is not a Stripe customer id (cus_...).`,
      );
    }
    if (account !== null && !stripeIdPattern.test(account)) {
      throw new ConsoleRequestError(
        400,
        'invalid_account',
        `${JSON.stringify(account)} is not a Stripe account id (acct_...).`,
      );
    }
    return { customerId, account };
  }

  /** Syncs the customer now through the sync function's service, and says so in the terminal. */
  async function syncNow(customers: LocalCustomers, customerId: string, account: string | null) {
    const who = `${customerId}${account ? ` (${account})` : ''}`;
    try {
      const outcome = await customers.syncNow(customerId, account);
      log.print(`↻ billing sync ${who} from the console: ${describeSyncOutcome(outcome)}`);
      return outcome;
    } catch (error) {
      if (error instanceof BillingStateTableMissingError) throw error;
      log.print(`✖ billing sync ${who} from the console failed: ${String(error)}`);
      if (error instanceof StripeApiError) {
        throw new ConsoleRequestError(
          502,
          'stripe_api_error',
          `Stripe's API answered ${error.status ?? 'nothing'} while syncing ${who}, nothing was stored: ${error.message}`,
        );
      }
      throw new ConsoleRequestError(
        502,
        'sync_failed',
        `The sync of ${who} failed, nothing was stored: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> {
    const { pathname } = url;
    const method = request.method ?? 'GET';
    const asset = assets[pathname];
    if (method === 'GET' && asset) {
      response.writeHead(200, {
        'content-type': asset.type,
        'content-security-policy': contentSecurityPolicy,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      response.end(readFileSync(join(assetsDirectory, asset.file)));
      return true;
    }
    if (!pathname.startsWith('/_local/')) return false;
    if (method !== 'GET' && method !== 'HEAD') {
      // Browsers send Origin with every POST and DELETE: it must be this very page (same host and port), not another local site.
      const origin = request.headers.origin;
      if (origin !== undefined && (!URL.canParse(origin) || new URL(origin).host !== request.headers.host)) {
        throw new ConsoleRequestError(403, 'cross_origin', 'The console takes actions from its own page only.');
      }
    }
    if (method === 'GET' && pathname === '/_local/event-types') {
      sendJson(response, 200, { snapshot: snapshotEventTypes, thin: thinEventTypes });
      return true;
    }
    const eventMatch = /^\/_local\/events\/([^/]+)(\/resend)?$/.exec(pathname);
    if (eventMatch) {
      const id = decodeURIComponent(eventMatch[1] ?? '');
      if (method === 'POST' && eventMatch[2]) {
        sendJson(response, 200, await resend(id));
        return true;
      }
      if (method !== 'GET' || eventMatch[2]) return false;
      const detail = log.detail(id);
      if (!detail) throw new ConsoleRequestError(404, 'unknown_event', `The pipeline has not seen event ${id}.`);
      const emails = (await log.emails()).filter((email) => email.eventId === id);
      // The addresses this event's email got suppressed, and those it found suppressed (its email not sent).
      const unsentTo = new Set(
        detail.unsentEmails.filter((e) => e.reason === 'suppressed').map((e) => e.to.toLowerCase()),
      );
      const related = await suppressions().then(
        (all) => all.filter((s) => s.eventId === id || unsentTo.has(s.address)),
        () => [],
      );
      sendJson(response, 200, { ...detail, emails, suppressions: related });
      return true;
    }
    if (method === 'POST' && pathname === '/_local/trigger') {
      sendJson(response, 200, await trigger(request));
      return true;
    }
    if (method === 'GET' && pathname === '/_local/dead-letters') {
      sendJson(response, 200, await peekDeadLetters(options.sqs, options.deadLetterQueueUrl));
      return true;
    }
    if (method === 'POST' && pathname === '/_local/dead-letters/redrive') {
      await readJson(request);
      log.print('↺ redrive from the console: dead-letter queue → queue');
      const summary = await redriveDeadLetters({
        sqs: options.sqs,
        deadLetterQueueUrl: options.deadLetterQueueUrl,
        targetQueueUrl: options.queueUrl,
        dryRun: false,
        max: Number.POSITIVE_INFINITY,
        print: log.print,
      });
      sendJson(response, 200, summary);
      return true;
    }
    if (method === 'GET' && pathname === '/_local/suppressions') {
      sendJson(response, 200, await suppressions());
      return true;
    }
    if (method === 'GET' && pathname === '/_local/alerts') {
      sendJson(response, 200, alertsOrOff().list(alertLimitOf(url)));
      return true;
    }
    if (method === 'GET' && pathname === '/_local/customers') {
      sendJson(response, 200, await customersOrOff().list());
      return true;
    }
    const customerMatch = /^\/_local\/customers\/([^/]+)(\/sync)?$/.exec(pathname);
    if (customerMatch && (method === 'GET' ? !customerMatch[2] : method === 'POST' && customerMatch[2])) {
      const customers = customersOrOff();
      const { customerId, account } = customerOf(customerMatch[1] ?? '', url);
      if (method === 'POST') {
        await readJson(request);
        const outcome = await syncNow(customers, customerId, account);
        sendJson(response, 200, outcome);
        return true;
      }
      const state = await customers.get(customerId, account);
      if (!state) {
        throw new ConsoleRequestError(
          404,
          'not_synced',
          `${customerId}${account ? ` (${account})` : ''} is not synced yet: no billing state is stored for it. An event about it, or Sync now, stores one.`,
        );
      }
      sendJson(response, 200, state);
      return true;
    }
    const suppressionMatch = /^\/_local\/suppressions\/([^/]+)$/.exec(pathname);
    if (method === 'DELETE' && suppressionMatch) {
      await readJson(request);
      const address = decodeURIComponent(suppressionMatch[1] ?? '');
      if (!(await removeSuppression(options.dynamodb, options.suppressionTableName, address))) {
        throw new ConsoleRequestError(404, 'not_suppressed', `${address} is not on the suppression list.`);
      }
      log.print(`⊕ ${address} taken off the suppression list from the console: it is emailed again`);
      sendJson(response, 200, { address, removed: true });
      return true;
    }
    return false;
  }

  return {
    async handle(request, response, url) {
      const isConsole = url.pathname === '/' || url.pathname.startsWith('/_local/');
      if (isConsole && !isLoopbackHost(request.headers.host)) {
        sendJson(response, 403, {
          error: { code: 'not_loopback', message: 'The local console answers on 127.0.0.1 or localhost only.' },
        });
        return true;
      }
      try {
        return await route(request, response, url);
      } catch (error) {
        if (error instanceof SuppressionTableMissingError) {
          sendJson(response, 503, { error: { code: 'no_suppression_table', message: error.message } });
          return true;
        }
        if (error instanceof BillingStateTableMissingError) {
          sendJson(response, 503, { error: { code: 'no_billing_state_table', message: error.message } });
          return true;
        }
        if (!(error instanceof ConsoleRequestError) && !(error instanceof InvalidEventOptionError)) throw error;
        const statusCode = error instanceof ConsoleRequestError ? error.statusCode : 400;
        const code = error instanceof ConsoleRequestError ? error.code : 'invalid_option';
        sendJson(response, statusCode, { error: { code, message: error.message } });
        return true;
      }
    },
  };
}
