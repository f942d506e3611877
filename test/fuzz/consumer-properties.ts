/**
 * The consumer's fuzzing property, shared by the Jest test (a few hundred cases in `npm test`) and
 * `npm run fuzz:consumer` (100,000 and more): for every event type a built-in handler subscribes to
 * (the customer emails, the renewal reminder switched on, the billing sync and the business alerts), a realistic event
 * with random fields dropped, nulled or given another type at any depth, run through `consumeEvent`
 * on in-memory fakes, never throws anything but the transient faults the fakes inject (a Stripe API,
 * SES or sync queue outage, which the pipeline retries). And whenever the key facts are there:
 * - each email handler either sends its email or skips it, logged and counted with a reason;
 * - each business alert handler either sends its alert or skips it, counted with a reason (`AlertsSkipped`);
 * - with a valid recipient, amount and currency, the email goes to that recipient and shows the
 *   amount, formatted as `formatAmount` formats it for the email's language, in the text and the HTML.
 *
 * The envelope stays what the receiver lets through (an `evt_` id, the type, `object: 'event'` and a
 * `data.object` object); everything else may change.
 */
import fc from 'fast-check';
import type Stripe from 'stripe';
import { resolveEmailSettings } from '../../config/email-settings';
import { businessAlertEventTypes } from '../../functions/alerts/alert-kinds';
import { builtInBusinessAlerts } from '../../functions/alerts/business-alert-handlers';
import { createBillingStateService } from '../../functions/billing-state/billing-state-service';
import { inMemoryBillingStateStore } from '../../functions/billing-state/billing-state-store';
import { builtInBillingSync } from '../../functions/billing-state/billing-sync-handlers';
import { billingSyncEventTypes } from '../../functions/billing-state/billing-sync-types';
import { type ConsumerDependencies, consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry, defineSubscriptions } from '../../functions/consumer/define-subscriptions';
import {
  type BuiltInEmailType,
  builtInEmails,
  enabledBuiltInEmailTypes,
} from '../../functions/consumer/emails/built-in-emails';
import { formatAmount } from '../../functions/consumer/emails/money';
import { rootCause } from '../../functions/consumer/handler-failure';
import type { Mailer, OutgoingEmail } from '../../functions/consumer/mailer';
import {
  type StripeApi,
  StripeApiError,
  StripeObjectNotFoundError,
  unconfiguredStripeApi,
} from '../../functions/shared/stripe-api/port';
import { buildStripeEvent, fixture, isSupportedEventType } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger } from '../../tools/testing/consumer-fakes';

const builtInOptions = { on: ['invoice.upcoming'] } as const;

/** Every type a built-in handler subscribes to: the emails (the reminder switched on), the billing sync and the business alerts. */
export const fuzzedEventTypes: readonly string[] = [
  ...new Set<string>([
    ...enabledBuiltInEmailTypes(builtInOptions),
    ...billingSyncEventTypes,
    ...businessAlertEventTypes,
  ]),
].sort();

interface EmailFacts {
  readonly email: (object: Loose) => unknown;
  readonly amount?: string;
  readonly skip?: RuleSkip;
}

/** Per email type, every one (a new type does not compile without its entry): where its recipient's address and its amount are in `data.object`. */
const emailFacts: Readonly<Record<BuiltInEmailType, EmailFacts>> = {
  'invoice.paid': { email: (o) => o.customer_email, amount: 'amount_paid', skip: (o) => o.amount_paid === 0 },
  'invoice.payment_failed': { email: (o) => o.customer_email, amount: 'amount_due' },
  'invoice.payment_action_required': { email: (o) => o.customer_email, amount: 'amount_due' },
  'invoice.upcoming': { email: (o) => o.customer_email, amount: 'amount_due' },
  'checkout.session.completed': {
    email: (o) => record(o.customer_details)?.email,
    amount: 'amount_total',
    skip: (o) => o.mode === 'subscription',
  },
  'charge.refunded': {
    email: (o) => (text(o.receipt_email) !== null ? o.receipt_email : record(o.billing_details)?.email),
    amount: 'amount_refunded',
  },
  'customer.subscription.trial_will_end': { email: () => undefined },
  'customer.subscription.deleted': { email: () => undefined },
};

type Loose = Record<string, unknown>;
type RuleSkip = (object: Loose) => boolean;

const record = (value: unknown): Loose | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
const validAmount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const validCurrency = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z]{3}$/.test(value);

const customerId = 'cus_fuzz_customer';
const customerEmail = 'claire.dubois@example.com';
const nowMs = Date.parse('2026-12-01T10:00:00Z');

type CustomerKind = 'known' | 'unknown' | 'deleted' | 'outage';
type Action = 'drop' | 'null' | 'retype';

export interface Mutation {
  /** Picks among the fields of `data.object` and the event's own (true), or among fields at any depth. */
  readonly shallow: boolean;
  readonly pick: number;
  readonly action: Action;
  readonly value: unknown;
}

export interface ConsumerCase {
  readonly type: string;
  readonly amount: number;
  readonly currency: string;
  readonly email: string;
  readonly customer: CustomerKind;
  readonly mode: 'payment' | 'subscription';
  readonly failMailer: boolean;
  readonly failQueue: boolean;
  readonly storedState: boolean;
  readonly mutations: readonly Mutation[];
}

const leafValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e300, Number.MAX_SAFE_INTEGER + 2, 8.64e15),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', ' ', 'usd', 'not-a-date', 'auto', 'cus_other', 'https://example.com/x', 'javascript:alert(1)'),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(
    fc.constantFrom('id', 'data', 'email', 'name', 'object'),
    fc.oneof(fc.string({ maxLength: 4 }), fc.integer()),
    {
      maxKeys: 2,
    },
  ),
);

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  shallow: fc.boolean(),
  pick: fc.nat(),
  action: fc.constantFrom<Action>('drop', 'null', 'retype'),
  value: leafValue,
});

export const consumerCaseArb: fc.Arbitrary<ConsumerCase> = fc.record({
  type: fc.constantFrom(...fuzzedEventTypes),
  amount: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000_000 })),
  currency: fc.constantFrom('usd', 'jpy', 'kwd', 'eur', 'isk', 'huf'),
  email: fc.constantFrom('jenny.rosen@example.com', '  padded@example.com ', "o'brien+tag@example.co.uk"),
  customer: fc.constantFrom<CustomerKind>('known', 'known', 'known', 'unknown', 'deleted', 'outage'),
  mode: fc.constantFrom('payment', 'subscription'),
  // Outages are the exception: most cases should reach the end of their handlers.
  failMailer: fc.constantFrom(false, false, false, false, false, true),
  failQueue: fc.constantFrom(false, false, false, false, false, true),
  storedState: fc.boolean(),
  mutations: fc.array(mutationArb, { minLength: 0, maxLength: 8 }),
});

/** The resource of a type's `data.object` in Stripe's fixtures (`customer.subscription.deleted` → `subscription`). */
function fixtureResourceOf(type: string): string {
  const resource = type.split('.').slice(0, -1).join('.');
  if (resource === 'charge.dispute') return 'dispute';
  return resource === 'customer.subscription' ? 'subscription' : resource;
}

/** A realistic event of the type: the project's builder where it knows the type, else Stripe's example object. */
function baseEvent(base: ConsumerCase, created: number): Loose {
  const onCustomer = !base.type.startsWith('customer.') || base.type.startsWith('customer.subscription.');
  const object: Loose = {
    ...(onCustomer ? { customer: customerId } : { id: customerId }),
    ...(base.type.startsWith('checkout.session.') ? { mode: base.mode } : {}),
  };
  if (isSupportedEventType(base.type)) {
    const built = buildStripeEvent(base.type, {
      id: 'evt_fuzz_consumer',
      created,
      amount: base.amount,
      currency: base.currency,
      email: base.email,
      object: object as never,
    });
    return JSON.parse(JSON.stringify(built)) as Loose;
  }
  return {
    id: 'evt_fuzz_consumer',
    object: 'event',
    api_version: '2025-03-31.basil',
    created,
    data: { object: { ...fixture<Loose>(fixtureResourceOf(base.type)), ...object } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: base.type,
  };
}

type Path = readonly (string | number)[];

/** What the receiver guarantees, so never changed: an `evt_` id, the type, a snapshot with an object. */
const protectedPaths = new Set(['id', 'type', 'object', 'data', 'data.object']);

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push([...prefix, index]);
      pathsOf(item, [...prefix, index], out);
    });
  } else if (record(value)) {
    for (const key of Object.keys(value as Loose).sort()) {
      out.push([...prefix, key]);
      pathsOf((value as Loose)[key], [...prefix, key], out);
    }
  }
  return out;
}

function describePath(path: Path): string {
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
    .join('')
    .slice(1);
}

/** Applies the mutations in turn; returns the mutated event and what was done, as readable lines. */
export function mutatedEvent(base: ConsumerCase): { event: Loose; applied: string[] } {
  const event = baseEvent(base, Math.floor(nowMs / 1000) - 60);
  const applied: string[] = [];
  for (const mutation of base.mutations) {
    const candidates = pathsOf(event).filter((path) => {
      const name = path.join('.');
      if (protectedPaths.has(name)) return false;
      return !mutation.shallow || path.length <= 1 || (path[0] === 'data' && path.length <= 3);
    });
    if (candidates.length === 0) continue;
    const path = candidates[mutation.pick % candidates.length] as Path;
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Loose)[key as string], event);
    const key = path[path.length - 1] as string | number;
    if (mutation.action === 'drop') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Loose)[key];
      applied.push(`drop ${describePath(path)}`);
    } else {
      const value = mutation.action === 'null' ? null : structuredClone(mutation.value);
      (parent as Loose)[key] = value;
      applied.push(`set ${describePath(path)} = ${JSON.stringify(value) ?? String(value)}`);
    }
  }
  // As the queue carries it: JSON (NaN and Infinity become null).
  return { event: JSON.parse(JSON.stringify(event)) as Loose, applied };
}

class InjectedFault extends Error {
  constructor(what: string) {
    super(`${what} is unavailable (injected)`);
    this.name = 'InjectedFault';
  }
}

class FuzzMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  constructor(
    private failNext: boolean,
    private readonly injected: Set<unknown>,
  ) {}
  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    if (this.failNext) {
      this.failNext = false;
      const fault = new InjectedFault('SES');
      this.injected.add(fault);
      throw fault;
    }
    this.sent.push(email);
    return { messageId: `message-${this.sent.length}` };
  }
}

function fakeStripe(kind: CustomerKind, injected: Set<unknown>): StripeApi {
  return {
    ...unconfiguredStripeApi,
    async retrieveCustomer(id) {
      if (id !== customerId || kind === 'unknown') throw new StripeObjectNotFoundError(`No such customer: '${id}'`);
      if (kind === 'outage') {
        const fault = new StripeApiError('Stripe answered 500 api_error after 4 attempts (injected)', { status: 500 });
        injected.add(fault);
        throw fault;
      }
      if (kind === 'deleted') return { id, object: 'customer', deleted: true } as Stripe.DeletedCustomer;
      return { id, object: 'customer', email: customerEmail, name: 'Claire Dubois' } as Stripe.Customer;
    },
  };
}

export interface CaseResult {
  readonly outcome: string;
  readonly emails: readonly OutgoingEmail[];
  readonly skipReasons: readonly string[];
}

/** Runs one case through consumeEvent; throws (with the reason) when the property does not hold. */
export async function runCase(base: ConsumerCase): Promise<CaseResult> {
  const { event, applied } = mutatedEvent(base);
  const injected = new Set<unknown>();
  const mailer = new FuzzMailer(base.failMailer, injected);
  const logger = new RecordingLogger();
  const counted: Array<{ name: string; dimensions?: Readonly<Record<string, string>> }> = [];
  const metrics = {
    count: (name: string, _value?: number, dimensions?: Readonly<Record<string, string>>) =>
      counted.push({ name, ...(dimensions === undefined ? {} : { dimensions }) }),
  };
  const store = inMemoryBillingStateStore();
  if (base.storedState) {
    await store.put(
      {
        customerId,
        account: null,
        email: customerEmail,
        name: null,
        deleted: false,
        access: true,
        defaultPaymentMethod: null,
        subscriptions: [],
        entitlements: [],
        syncedAt: new Date(nowMs).toISOString(),
        sourceEventId: 'evt_earlier',
      },
      nowMs,
    );
  }
  const now = () => new Date(nowMs);
  const billingState = createBillingStateService({
    store,
    now,
    logger,
    metrics,
    queue: {
      async request() {
        if (base.failQueue) {
          const fault = new InjectedFault('The billing sync queue');
          injected.add(fault);
          throw fault;
        }
      },
    },
  });
  const deps: ConsumerDependencies = {
    registry: buildRegistry(
      defineSubscriptions((_on, { include }) => {
        include(builtInEmails(builtInOptions));
        include(builtInBillingSync());
        include(builtInBusinessAlerts());
      }),
    ),
    store: new InMemoryIdempotencyStore(),
    mailer,
    logger,
    metrics,
    now,
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    stripe: fakeStripe(base.customer, injected),
    emailSettings: resolveEmailSettings({ emailBusinessName: 'Acme Fuzz Shop' }),
    billingState,
    businessAlerts: {
      destinations: [{ name: 'fuzz', send: async () => undefined }],
      reminders: { schedule: async () => undefined, cancel: async () => undefined },
      reminderLeadHours: 72,
      off: [],
      now,
    },
  };
  const fail = (problem: string): never => {
    throw new Error(
      `${problem}\n  event type: ${base.type}\n  mutations: ${applied.length === 0 ? 'none' : applied.join('; ')}`,
    );
  };

  let outcome: string;
  try {
    outcome = (await consumeEvent(JSON.stringify(event), deps)).status;
  } catch (error) {
    // A handler's error arrives wrapped with the handler's name (HandlerFailedError); the fault is its cause.
    if (injected.has(rootCause(error))) return { outcome: 'transient', emails: [], skipReasons: [] };
    return fail(`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  if (outcome !== 'processed') fail(`outcome ${outcome}, expected processed`);
  const skipReasons = counted.flatMap(({ name, dimensions }) =>
    name === 'EmailsSkipped' ? [dimensions?.reason ?? '(no reason)'] : [],
  );
  if (skipReasons.includes('(no reason)')) fail('an email was skipped without a reason');
  // Every business alert handler either sent its alert or said why not (AlertsSkipped with a reason).
  if (
    (businessAlertEventTypes as readonly string[]).includes(base.type) &&
    !counted.some(({ name, dimensions }) => name === 'AlertsSent' || (name === 'AlertsSkipped' && dimensions?.reason))
  ) {
    fail('a business alert was neither sent nor skipped with a reason');
  }

  // Undefined for the types no email handles (billing sync only, business alerts only).
  const facts = (emailFacts as Readonly<Record<string, EmailFacts | undefined>>)[base.type];
  if (facts !== undefined) {
    if (mailer.sent.length + skipReasons.length !== 1) {
      fail(`expected one email sent or one skip with a reason; got ${mailer.sent.length} sent, skips ${skipReasons}`);
    }
    const object = record(record(event.data)?.object) ?? {};
    const hint = text(facts.email(object));
    const amount = facts.amount === undefined ? undefined : object[facts.amount];
    const moneyValid = facts.amount === undefined || (validAmount(amount) && validCurrency(object.currency));
    const sent = mailer.sent[0];
    if (sent !== undefined) {
      if (text(sent.to) === null) fail(`sent to ${JSON.stringify(sent.to)}`);
      if (hint !== null && sent.to !== hint) fail(`sent to ${sent.to}, not to the event's address ${hint}`);
      if (moneyValid && facts.amount !== undefined) {
        const lang = /<html lang="([^"]+)"/.exec(sent.html)?.[1] ?? 'en';
        const formatted = formatAmount(amount as number, object.currency as string, lang);
        if (!sent.text.includes(formatted) || !sent.html.includes(formatted)) {
          fail(`the email does not show the amount ${formatted}:\n${sent.text}`);
        }
      }
    } else if (
      hint !== null &&
      moneyValid &&
      !(facts.skip?.(object) ?? false) &&
      base.customer !== 'deleted' &&
      skipReasons[0] !== 'customer_deleted'
    ) {
      fail(`no email although recipient, amount and currency are valid (skipped: ${skipReasons})`);
    }
  }
  return { outcome, emails: mailer.sent, skipReasons };
}

export interface ConsumerFuzzOptions {
  readonly numRuns: number;
  readonly seed?: number;
  /** Called every few seconds with the cases run so far. */
  readonly onProgress?: (casesRun: number, elapsedMs: number) => void;
  readonly progressEveryMs?: number;
}

export interface ConsumerFuzzReport {
  readonly seed: number;
  readonly runs: number;
  readonly byType: Readonly<Record<string, number>>;
  /** `sent`, `skipped:<reason>`, `billing only`, `transient`. */
  readonly byResult: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** The shrunk counterexample and why it failed, if the property failed. */
  readonly failure?: string;
}

export async function fuzzConsumer(options: ConsumerFuzzOptions): Promise<ConsumerFuzzReport> {
  const seed = options.seed ?? Date.now() ^ Math.floor(Math.random() * 0x7fffffff);
  const byType: Record<string, number> = {};
  const byResult: Record<string, number> = {};
  const started = performance.now();
  let casesRun = 0;
  let lastProgress = started;
  let shrinking = false;

  const property = fc.asyncProperty(consumerCaseArb, async (base) => {
    let result: CaseResult;
    try {
      result = await runCase(base);
    } catch (error) {
      // The runs after the first failure shrink it: they are not cases of their own.
      shrinking = true;
      throw error;
    }
    if (!shrinking) {
      casesRun += 1;
      byType[base.type] = (byType[base.type] ?? 0) + 1;
      const key =
        result.outcome === 'transient'
          ? 'transient'
          : result.emails.length > 0
            ? 'sent'
            : result.skipReasons.length > 0
              ? `skipped:${result.skipReasons.join(',')}`
              : 'billing only';
      byResult[key] = (byResult[key] ?? 0) + 1;
      const now = performance.now();
      if (options.onProgress !== undefined && now - lastProgress >= (options.progressEveryMs ?? 3_000)) {
        lastProgress = now;
        options.onProgress(casesRun, now - started);
      }
    }
  });

  const details = await fc.check(property, { numRuns: options.numRuns, seed });
  let failure: string | undefined;
  if (details.failed) {
    const [counterexample] = details.counterexample ?? [];
    const message =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    failure =
      `${message}\ncounterexample (shrunk ${details.numShrinks} times, path ${details.counterexamplePath}): ` +
      fc.stringify(counterexample) +
      (counterexample === undefined
        ? ''
        : `\nmutated data.object: ${JSON.stringify(record(mutatedEvent(counterexample).event.data)?.object)}`);
  }
  return {
    seed,
    runs: casesRun,
    byType,
    byResult,
    durationMs: Math.round(performance.now() - started),
    ...(failure === undefined ? {} : { failure }),
  };
}
