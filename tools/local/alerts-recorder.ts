/**
 * The business alerts of the local pipeline: instead of the SNS topic and the webhook, an alert
 * destination named `local` keeps every alert in memory (the newest first, for `GET /_local/alerts` and
 * the console's Alerts view) and prints it in the terminal, as the pipeline prints the emails it sends.
 */
import type { AlertDestination, BusinessAlert, BusinessAlertKind } from '../../functions/alerts/alert-ports';

/** One alert as the local pipeline recorded it. */
export interface LocalAlert {
  /** When the destination received it (ISO 8601). */
  readonly at: string;
  readonly kind: BusinessAlertKind;
  /** The Stripe event it is about (for a dispute reminder: the `charge.dispute.created` event). */
  readonly eventId: string;
  readonly subject: string;
  readonly text: string;
  /** Where it went: `local` (the deployed pipeline has `sns` and `webhook`). */
  readonly destination: string;
  readonly dashboardUrl?: string;
}

export interface LocalAlertRecorder extends AlertDestination {
  /** The recorded alerts, the newest first; at most `limit` of them. */
  list(limit?: number): LocalAlert[];
}

/** Alerts kept: a long `npm start` session must not grow without end; the oldest go first. */
export const defaultMaxLocalAlerts = 500;

export interface LocalAlertRecorderOptions {
  /** Receives the terminal lines (the pipeline's timestamped print). @default silent */
  readonly print?: (line: string) => void;
  /** @default defaultMaxLocalAlerts */
  readonly maxAlerts?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The recorder the local pipeline gives the consumer (and the reminder clock) as their only alert destination. */
export function createLocalAlertRecorder(options: LocalAlertRecorderOptions = {}): LocalAlertRecorder {
  const print = options.print ?? (() => undefined);
  const maxAlerts = options.maxAlerts ?? defaultMaxLocalAlerts;
  const now = options.now ?? (() => new Date());
  // Oldest first here (push is cheap); list() reverses.
  const alerts: LocalAlert[] = [];
  return {
    name: 'local',
    async send(alert: BusinessAlert) {
      const recorded: LocalAlert = {
        at: now().toISOString(),
        kind: alert.kind,
        eventId: alert.eventId,
        subject: alert.subject,
        text: alert.text,
        destination: 'local',
        ...(alert.dashboardUrl === undefined ? {} : { dashboardUrl: alert.dashboardUrl }),
      };
      alerts.push(recorded);
      if (alerts.length > maxAlerts) alerts.splice(0, alerts.length - maxAlerts);
      print(describeLocalAlert(recorded));
    },
    list(limit = maxAlerts) {
      return alerts.slice().reverse().slice(0, Math.max(0, limit));
    },
  };
}

/**
 * The alert's terminal line, like an email's (`✉ sent "..." to ...`): its kind, event and subject; the text
 * is in the console's Alerts view and `GET /_local/alerts`.
 */
export function describeLocalAlert(alert: Pick<LocalAlert, 'kind' | 'eventId' | 'subject'>): string {
  return `⚑ alert ${alert.kind} [${alert.eventId}]: "${alert.subject}"`;
}
