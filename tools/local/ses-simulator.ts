/**
 * SES's mailbox simulator, for the local pipeline. In AWS, an email to `bounce@simulator.amazonses.com`
 * bounces and one to `complaint@simulator.amazonses.com` is complained about, and SES publishes that to
 * the configuration set's SNS topic, whose subscriber is the SES events function. moto publishes no
 * configuration-set events (and its identity notifications name fixed example addresses), so this does
 * it: after the consumer sent such an email, it builds the notification SES would publish and invokes the
 * real SES events handler with it, wrapped in the SNS event Lambda would get.
 */
import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import type { RecordOutcome } from '../../functions/consumer/outcome-listeners';
import type { SesNotificationOutcome } from '../../functions/ses-events/handle-ses-notification';
import { localRegion } from './defaults';
import { snsEvent } from './lambda-shapes';

/** The simulator's domain; the local part (before any `+label`) picks what happens. */
export const simulatorDomain = 'simulator.amazonses.com';

/** What SES does with mail to a simulator address, among those this simulator reproduces. */
export type SimulatedScenario = 'bounce' | 'complaint' | 'suppressionlist';

const scenarios: ReadonlySet<string> = new Set<SimulatedScenario>(['bounce', 'complaint', 'suppressionlist']);

/** The scenario of a simulator address (`bounce+x@simulator.amazonses.com` too), or `undefined` for any other address. */
export function simulatedScenarioOf(address: string): SimulatedScenario | undefined {
  const [local = '', domain = ''] = address.trim().toLowerCase().split('@');
  if (domain !== simulatorDomain) return undefined;
  const scenario = local.split('+')[0] ?? '';
  return scenarios.has(scenario) ? (scenario as SimulatedScenario) : undefined;
}

const localAccountId = '123456789012';

/** What the simulator needs to know of an email SES accepted. */
export interface AcceptedEmail {
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
}

export interface NotificationContext {
  readonly senderAddress: string;
  readonly configurationSetName: string;
  readonly now?: Date;
}

/**
 * The configuration-set event-publishing notification SES would publish for `email` (the SNS message
 * text), in the shape of the examples in SES's developer guide ("Examples of event data that Amazon SES
 * publishes to Amazon SNS").
 */
export function simulatedSesNotification(
  scenario: SimulatedScenario,
  email: AcceptedEmail,
  context: NotificationContext,
): string {
  const now = context.now ?? new Date();
  const sentAt = new Date(now.getTime() - 1000).toISOString();
  const feedbackId = `${Date.now().toString(16)}-${randomUUID()}-000000`;
  const mail = {
    timestamp: sentAt,
    source: context.senderAddress,
    sourceArn: `arn:aws:ses:${localRegion}:${localAccountId}:identity/${context.senderAddress}`,
    sendingAccountId: localAccountId,
    messageId: email.messageId,
    destination: [email.to],
    headersTruncated: false,
    headers: [
      { name: 'From', value: context.senderAddress },
      { name: 'To', value: email.to },
      { name: 'Subject', value: email.subject },
    ],
    commonHeaders: {
      from: [context.senderAddress],
      to: [email.to],
      messageId: email.messageId,
      subject: email.subject,
    },
    tags: {
      'ses:configuration-set': [context.configurationSetName],
      'ses:source-ip': ['127.0.0.1'],
      'ses:from-domain': [context.senderAddress.split('@').at(-1) ?? ''],
      'ses:caller-identity': ['local'],
    },
  };
  if (scenario === 'complaint') {
    return JSON.stringify({
      eventType: 'Complaint',
      complaint: {
        feedbackId,
        complaintSubType: null,
        complainedRecipients: [{ emailAddress: email.to }],
        timestamp: now.toISOString(),
        userAgent: 'Amazon SES Mailbox Simulator',
        complaintFeedbackType: 'abuse',
        arrivalDate: now.toISOString(),
      },
      mail,
    });
  }
  const onSuppressionList = scenario === 'suppressionlist';
  return JSON.stringify({
    eventType: 'Bounce',
    bounce: {
      feedbackId,
      bounceType: 'Permanent',
      bounceSubType: onSuppressionList ? 'OnAccountSuppressionList' : 'General',
      bouncedRecipients: [
        {
          emailAddress: email.to,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: onSuppressionList
            ? 'Amazon SES did not send the message to this address because it is on the suppression list for your account.'
            : 'smtp; 550 5.1.1 user unknown',
        },
      ],
      timestamp: now.toISOString(),
      remoteMtaIp: '127.0.2.0',
      reportingMTA: `dns; b224-13.smtp-out.${localRegion}.amazonses.com`,
    },
    mail,
  });
}

/** The SES events handler, as the local tools call it. */
export type SesEventsHandler = (event: SNSEvent) => Promise<SesNotificationOutcome[]>;

export interface SesSimulatorOptions {
  readonly onRecordOutcome: (listener: (outcome: RecordOutcome) => void) => () => void;
  readonly sesEvents: SesEventsHandler;
  readonly senderAddress: string;
  readonly configurationSetName: string;
  /** Receives one line per suppressed address and per failed notification. */
  readonly print: (line: string) => void;
}

export interface SesSimulator {
  /** Resolves once every notification started so far was handled. */
  idle(): Promise<void>;
  /** Stops listening to the consumer and printing; notifications already started still finish. */
  stop(): void;
}

/** Watches what the consumer sent and plays SES's part for mail to simulator addresses. */
export function startSesSimulator(options: SesSimulatorOptions): SesSimulator {
  const topicArn = `arn:aws:sns:${localRegion}:${localAccountId}:${options.configurationSetName}-events`;
  const pending = new Set<Promise<void>>();
  let stopped = false;
  const print = (line: string) => {
    if (!stopped) options.print(line);
  };

  async function deliver(scenario: SimulatedScenario, email: AcceptedEmail): Promise<void> {
    const message = simulatedSesNotification(scenario, email, options);
    try {
      const outcomes = await options.sesEvents(snsEvent(message, { topicArn }));
      for (const outcome of outcomes) {
        for (const entry of outcome.suppressed) {
          print(`  ⊘ ${entry.address} suppressed: ${entry.reason} (${entry.detail}), no more email to it`);
        }
      }
    } catch (error) {
      // In AWS, Lambda would retry twice and then dead-letter the notification.
      print(`  ✖ the SES events handler failed on a ${scenario} notification: ${String(error)}`);
    }
  }

  const unsubscribe = options.onRecordOutcome((outcome) => {
    if (outcome.status !== 'processed') return;
    for (const email of outcome.emails) {
      const scenario = simulatedScenarioOf(email.to);
      if (scenario === undefined) continue;
      // Later, as in AWS: SES reports a bounce or a complaint after it accepted the email.
      const delivery: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => deliver(scenario, email))
        .finally(() => pending.delete(delivery));
      pending.add(delivery);
    }
  });

  return {
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stop: () => {
      stopped = true;
      unsubscribe();
    },
  };
}
