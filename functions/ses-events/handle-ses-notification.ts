/**
 * What to do with one notification SES publishes to the SNS topic: record the recipients of permanent
 * bounces and of complaints in the suppression store, so that the consumer never emails them again
 * (AWS reviews an account at 5 % bounces or 0.1 % complaints and pauses it at 10 % or 0.5 %). Both
 * formats SES uses are read: configuration-set event publishing (`eventType`) and identity
 * notifications (`notificationType`). Nothing here throws for what SES sent; only a failed store write
 * does, so that SNS and Lambda deliver the notification again.
 */
import { createHash } from 'node:crypto';
import type { LoggerPort } from '../shared/logger';
import { normalizeAddress, type SuppressionEntry, type SuppressionStore } from '../shared/suppression-store';

/** Counts the function's metrics (namespace `StripeWebhooks`, unit Count). */
export interface SesEventMetrics {
  count(name: string, value?: number): void;
}

export interface SesNotificationDependencies {
  readonly store: SuppressionStore;
  readonly logger: LoggerPort;
  readonly metrics: SesEventMetrics;
  /** When the notification itself carries no time. */
  readonly now: () => Date;
}

/** The metric names this function counts. */
export const sesEventMetricNames = {
  /** Every bounce notification, permanent or not. */
  bounces: 'SesBounces',
  /** Transient and undetermined bounces: SES retried and gave up, the address may work later. */
  transientBounces: 'SesTransientBounces',
  complaints: 'SesComplaints',
  /** Addresses written to the suppression store. */
  suppressed: 'Suppressed',
  rejects: 'SesRejects',
  deliveryDelays: 'SesDeliveryDelays',
  /** Notifications that are not JSON or not from SES, and event types nobody asked for. */
  ignored: 'SesNotificationsIgnored',
} as const;

export type SesNotificationKind =
  | 'permanent_bounce'
  | 'transient_bounce'
  | 'complaint'
  | 'reject'
  | 'delivery_delay'
  | 'ignored'
  | 'unrecognized';

export interface SesNotificationOutcome {
  readonly kind: SesNotificationKind;
  /** SES's `eventType` or `notificationType`, when there was one. */
  readonly type?: string;
  /** SES's message id of the email the notification is about. */
  readonly messageId?: string;
  /** What was written to the suppression store (empty unless a permanent bounce or a complaint). */
  readonly suppressed: readonly SuppressionEntry[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * What a log line may say about an address: its domain and a short hash, never the address itself.
 * The hash is enough to match a log line against an address one already knows.
 */
export function addressForLog(address: string): { readonly recipientDomain: string; readonly recipientHash: string } {
  const normalized = normalizeAddress(address);
  return {
    recipientDomain: normalized.split('@').at(-1) ?? '',
    recipientHash: createHash('sha256').update(normalized).digest('hex').slice(0, 12),
  };
}

/** The recipients' addresses of a `bouncedRecipients` / `complainedRecipients` / `delayedRecipients` list. */
function recipientsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((recipient) => {
    const address = isObject(recipient) ? stringOf(recipient.emailAddress) : undefined;
    return address !== undefined && normalizeAddress(address).includes('@') ? [address] : [];
  });
}

function epochSeconds(timestamp: unknown, now: () => Date): number {
  const parsed = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  return Math.floor((Number.isNaN(parsed) ? now().getTime() : parsed) / 1000);
}

/** Records the permanent bounces and complaints one SES notification (the SNS message text) reports. */
export async function handleSesNotification(
  message: string,
  deps: SesNotificationDependencies,
): Promise<SesNotificationOutcome> {
  const { logger, metrics } = deps;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  const type = isObject(parsed) ? (stringOf(parsed.eventType) ?? stringOf(parsed.notificationType)) : undefined;
  if (!isObject(parsed) || type === undefined) {
    // Acknowledged: redelivering a message that is not an SES notification would never make it one.
    metrics.count(sesEventMetricNames.ignored);
    logger.warn('Not an SES notification; acknowledged and ignored', {
      outcome: 'unrecognized',
      bytes: message.length,
      json: parsed !== undefined,
    });
    return { kind: 'unrecognized', suppressed: [] };
  }
  const notification = parsed;
  const messageId = isObject(notification.mail) ? stringOf(notification.mail.messageId) : undefined;
  const base = { type, ...(messageId === undefined ? {} : { messageId }) };
  const ids = { notificationType: type, ...(messageId === undefined ? {} : { messageId }) };

  const suppressAll = async (
    addresses: readonly string[],
    reason: SuppressionEntry['reason'],
    detail: string,
    atSeconds: number,
  ): Promise<SuppressionEntry[]> => {
    const written: SuppressionEntry[] = [];
    // One after the other: if a write fails, the retry writes the earlier ones again, which changes nothing.
    for (const address of addresses) {
      const entry: SuppressionEntry = {
        address: normalizeAddress(address),
        reason,
        detail,
        atSeconds,
        ...(messageId === undefined ? {} : { messageId }),
      };
      await deps.store.suppress(entry);
      written.push(entry);
      metrics.count(sesEventMetricNames.suppressed);
      logger.info('Recipient suppressed: no further email will be sent to it', {
        ...ids,
        outcome: 'suppressed',
        reason,
        detail,
        ...addressForLog(address),
      });
    }
    return written;
  };

  switch (type) {
    case 'Bounce': {
      const bounce = isObject(notification.bounce) ? notification.bounce : {};
      const bounceType = stringOf(bounce.bounceType) ?? 'Undetermined';
      const subType = stringOf(bounce.bounceSubType) ?? 'Undetermined';
      const recipients = recipientsOf(bounce.bouncedRecipients);
      metrics.count(sesEventMetricNames.bounces);
      if (bounceType !== 'Permanent') {
        // SES already retried a transient bounce for hours; the mailbox may work again (full, out of office).
        metrics.count(sesEventMetricNames.transientBounces);
        logger.info('Transient bounce; the address stays allowed', {
          ...ids,
          outcome: 'transient_bounce',
          bounceType,
          bounceSubType: subType,
          recipients: recipients.length,
        });
        return { ...base, kind: 'transient_bounce', suppressed: [] };
      }
      if (recipients.length === 0) {
        logger.warn('Permanent bounce without recipient addresses; nothing to suppress', {
          ...ids,
          bounceSubType: subType,
        });
      }
      const suppressed = await suppressAll(recipients, 'bounce', subType, epochSeconds(bounce.timestamp, deps.now));
      return { ...base, kind: 'permanent_bounce', suppressed };
    }
    case 'Complaint': {
      const complaint = isObject(notification.complaint) ? notification.complaint : {};
      const detail = stringOf(complaint.complaintFeedbackType) ?? stringOf(complaint.complaintSubType) ?? 'unspecified';
      const recipients = recipientsOf(complaint.complainedRecipients);
      metrics.count(sesEventMetricNames.complaints);
      if (recipients.length === 0) {
        logger.warn('Complaint without recipient addresses; nothing to suppress', { ...ids, detail });
      }
      const suppressed = await suppressAll(
        recipients,
        'complaint',
        detail,
        epochSeconds(complaint.timestamp, deps.now),
      );
      return { ...base, kind: 'complaint', suppressed };
    }
    case 'Reject': {
      // SES refused the content (a virus, usually): nothing about the recipient, so nothing to suppress.
      const reject = isObject(notification.reject) ? notification.reject : {};
      metrics.count(sesEventMetricNames.rejects);
      logger.warn('SES rejected an email after accepting it', {
        ...ids,
        outcome: 'reject',
        reason: stringOf(reject.reason) ?? 'unspecified',
      });
      return { ...base, kind: 'reject', suppressed: [] };
    }
    case 'DeliveryDelay': {
      const delay = isObject(notification.deliveryDelay) ? notification.deliveryDelay : {};
      metrics.count(sesEventMetricNames.deliveryDelays);
      logger.info('SES is still trying to deliver an email', {
        ...ids,
        outcome: 'delivery_delay',
        delayType: stringOf(delay.delayType) ?? 'unspecified',
        recipients: recipientsOf(delay.delayedRecipients).length,
      });
      return { ...base, kind: 'delivery_delay', suppressed: [] };
    }
    default:
      // Delivery, Send, Open, the topic's setup notification...: not subscribed to, or not about deliverability.
      metrics.count(sesEventMetricNames.ignored);
      logger.info('SES notification of a type this function does not act on; acknowledged', {
        ...ids,
        outcome: 'ignored',
      });
      return { ...base, kind: 'ignored', suppressed: [] };
  }
}
