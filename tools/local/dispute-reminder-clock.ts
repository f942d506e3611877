/**
 * Dispute deadline reminders for the local pipeline: where AWS has one EventBridge Scheduler schedule per
 * dispute, this keeps one timer per dispute, on a clock that can run faster than real time
 * (`npm start -- --alert-clock-scale 3600`: an hour passes in a second, so the 72 hours before a deadline
 * pass in 72 seconds). When a timer fires, it runs the reminder function's own core, `runDisputeReminder`,
 * against the fake Stripe API, so a dispute answered there meanwhile is skipped as it is in AWS.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type {
  AlertDestination,
  DisputeReminderInput,
  DisputeReminderScheduler,
} from '../../functions/alerts/alert-ports';
import { runDisputeReminder } from '../../functions/alerts/run-dispute-reminder';
import { createLogger } from '../../functions/shared/logger';
import { stripeApiFromEnvironment } from '../../functions/shared/stripe-api/from-environment';

/** What the reminder found when it fired: the dispute still needed a response (alerted), or not. */
export type DisputeReminderOutcome = Awaited<ReturnType<typeof runDisputeReminder>>;

/** Runs one reminder at the (clock's) time `now`. */
export type RunDisputeReminder = (input: DisputeReminderInput, now: Date) => Promise<DisputeReminderOutcome>;

/** Real time, as deployed: the reminder fires 72 hours before the deadline. */
export const defaultAlertClockScale = 1;
/** A clock faster than this would fire every reminder of a year at once: 1 s of real time per 10 days at most. */
export const maxAlertClockScale = 864_000;

/** setTimeout takes at most 2^31 - 1 ms (24.8 days); a later timer waits in steps of this. */
const maxTimerMs = 2_147_483_647;

export interface ScheduledDisputeReminder {
  readonly disputeId: string;
  readonly eventId: string;
  readonly account?: string;
  /** When it fires on the pipeline's clock: the time the consumer asked for (ISO 8601). */
  readonly at: string;
  /** When it fires in real time, the clock scale applied (ISO 8601). */
  readonly firesAt: string;
}

export interface DisputeReminderClock extends DisputeReminderScheduler {
  /** The reminders waiting to fire, the soonest first. */
  pending(): ScheduledDisputeReminder[];
  /** Resolves once no reminder is running (the timers still pending keep waiting). */
  idle(): Promise<void>;
  /** Clears every pending timer: nothing fires after this. */
  stop(): void;
}

export interface DisputeReminderClockOptions {
  /** How many times faster than real time the clock runs: a reminder `d` ms away fires after `d / scale` ms. @default 1 */
  readonly scale?: number;
  /** What a firing reminder runs (the local pipeline: {@link localDisputeReminderRunner}). */
  readonly run: RunDisputeReminder;
  /** Receives the terminal lines (the pipeline's timestamped print). @default silent */
  readonly print?: (line: string) => void;
  /** Real time. @default () => new Date() */
  readonly now?: () => Date;
}

export class InvalidAlertClockScaleError extends Error {
  constructor(readonly scale: number) {
    super(
      `The alert clock scale must be a number from 1 (real time) to ${maxAlertClockScale}, got ${scale}; ` +
        'e.g. 3600 makes an hour pass in a second.',
    );
    this.name = 'InvalidAlertClockScaleError';
  }
}

interface Entry {
  readonly reminder: ScheduledDisputeReminder;
  timer: NodeJS.Timeout;
}

/** "3 h 20 min", "45 s": how long until a reminder fires, in real time. */
function describeDelay(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.round(hours / 24)} days`;
}

/** The terminal line of a reminder that fired. */
export function describeReminderOutcome(outcome: DisputeReminderOutcome): string {
  switch (outcome) {
    case 'alerted':
      return 'still needs a response, alert sent';
    case 'answered':
      return 'answered or closed meanwhile, no alert';
    case 'not_found':
      return "Stripe's API does not know the dispute, no alert";
    default:
      return String(outcome);
  }
}

/** A {@link DisputeReminderScheduler} on timers: one per dispute, a new time replacing the earlier one. */
export function createDisputeReminderClock(options: DisputeReminderClockOptions): DisputeReminderClock {
  const scale = options.scale ?? defaultAlertClockScale;
  if (!Number.isFinite(scale) || scale < 1 || scale > maxAlertClockScale) throw new InvalidAlertClockScaleError(scale);
  const print = options.print ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const entries = new Map<string, Entry>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  async function fire(input: DisputeReminderInput, at: Date): Promise<void> {
    // The clock's time when it fires: the time asked for (or now, when that had passed already).
    const clockNow = new Date(Math.max(at.getTime(), now().getTime()));
    try {
      const outcome = await options.run(input, clockNow);
      print(`⏰ dispute reminder ${input.disputeId} [${input.eventId}]: ${describeReminderOutcome(outcome)}`);
    } catch (error) {
      // In AWS the asynchronous invocation is retried, then dropped; locally the line says what went wrong.
      print(
        `✖ dispute reminder ${input.disputeId} [${input.eventId}] failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  function arm(disputeId: string, input: DisputeReminderInput, at: Date, firesAtMs: number): NodeJS.Timeout {
    const wait = Math.max(0, firesAtMs - now().getTime());
    const timer = setTimeout(
      () => {
        const entry = entries.get(disputeId);
        if (entry?.timer !== timer || stopped) return;
        if (firesAtMs - now().getTime() > 0) {
          // A step of a wait longer than setTimeout takes.
          entry.timer = arm(disputeId, input, at, firesAtMs);
          return;
        }
        entries.delete(disputeId);
        const run = fire(input, at).finally(() => running.delete(run));
        running.add(run);
      },
      Math.min(wait, maxTimerMs),
    );
    // A pending reminder alone does not keep the process alive (the pipeline's servers do).
    timer.unref();
    return timer;
  }

  return {
    async schedule(input, at) {
      if (stopped) return;
      const realNow = now().getTime();
      const firesAtMs = realNow + Math.max(0, at.getTime() - realNow) / scale;
      const earlier = entries.get(input.disputeId);
      if (earlier) clearTimeout(earlier.timer);
      const reminder: ScheduledDisputeReminder = {
        disputeId: input.disputeId,
        eventId: input.eventId,
        ...(input.account === undefined ? {} : { account: input.account }),
        at: at.toISOString(),
        firesAt: new Date(firesAtMs).toISOString(),
      };
      entries.set(input.disputeId, { reminder, timer: arm(input.disputeId, input, at, firesAtMs) });
      const inReal = firesAtMs - realNow;
      print(
        `⏰ dispute reminder ${input.disputeId} [${input.eventId}] scheduled for ${reminder.at}` +
          (inReal <= 0
            ? ' (now: the deadline is near)'
            : ` (fires in ${describeDelay(inReal)}${scale === 1 ? '' : ` at clock scale ${scale}`})`),
      );
    },
    async cancel(disputeId) {
      const entry = entries.get(disputeId);
      if (!entry) return;
      clearTimeout(entry.timer);
      entries.delete(disputeId);
      print(`⏰ dispute reminder ${disputeId} cancelled: the dispute closed`);
    },
    pending() {
      return [...entries.values()]
        .map((entry) => entry.reminder)
        .sort((a, b) => (a.firesAt < b.firesAt ? -1 : a.firesAt > b.firesAt ? 1 : 0));
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
    stop() {
      stopped = true;
      for (const entry of entries.values()) clearTimeout(entry.timer);
      entries.clear();
    },
  };
}

/**
 * Runs a reminder as the reminder function does, against the Stripe API the environment names (the
 * local pipeline's fake), alerting through `destinations` (the local recorder).
 */
export function localDisputeReminderRunner(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly destinations: readonly AlertDestination[];
}): RunDisputeReminder {
  // The reminder function's service name (lib/business-alerts.ts), for its JSON logs (POWERTOOLS_LOG_LEVEL).
  const logger = createLogger('stripe-dispute-reminder');
  const stripe = stripeApiFromEnvironment(options.env, {
    // The emulator's Secrets Manager (AWS_ENDPOINT_URL), made on the first reminder only.
    secretsManager: () => new SecretsManagerClient({ maxAttempts: 3 }),
    logger,
  });
  return (input, now) =>
    runDisputeReminder(input, {
      stripe,
      destinations: options.destinations,
      now: () => now,
      logger,
      // The reminder function publishes its own metrics in AWS; locally nobody reads them.
      metrics: { count: () => undefined },
    });
}
