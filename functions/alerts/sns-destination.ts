/**
 * The SNS topic destination: every alert is published with its subject and text. Email subscribers get
 * the subject as the email's subject and the text as its body; AWS Chatbot and PagerDuty subscribe to
 * the topic and read the same message.
 *
 * SNS's `Subject` (Publish API reference): at most 100 characters, ASCII, starting with a letter, number
 * or punctuation mark, no line breaks or control characters. Alert subjects hold amounts as the emails
 * format them (`€20.00`, `¥1,500`), so the subject is made ASCII here: accents dropped, currency signs
 * spelt as their ISO codes, anything else left out, and cut at 100. The text keeps the exact figures.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { AlertDestination, BusinessAlert } from './alert-ports';

export const maxSnsSubjectLength = 100;

/** Signs `formatAmount` writes (en-US) that have a single ISO code; the rest (`$`, `CA$`...) are ASCII already. */
const currencySigns: Readonly<Record<string, string>> = {
  '€': 'EUR ',
  '£': 'GBP ',
  '¥': 'JPY ',
  '₹': 'INR ',
  '₩': 'KRW ',
  '₪': 'ILS ',
  '₫': 'VND ',
  '₱': 'PHP ',
  '₦': 'NGN ',
  '₺': 'TRY ',
  '₴': 'UAH ',
  '₽': 'RUB ',
  '฿': 'THB ',
  '…': '...',
  '–': '-',
  '—': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
};

/** The alert's subject as SNS accepts it (see above); never empty. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/\s+/g, ' ')
    .normalize('NFKD')
    // Combining marks (the accents NFKD split off), then the signs with a spelling, then anything else non-ASCII.
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, (char) => currencySigns[char] ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    // Must start with a letter, number or punctuation mark: a leading space was trimmed; nothing else can lead.
    .replace(/ +([,.)])/g, '$1');
  const cut = ascii.length <= maxSnsSubjectLength ? ascii : `${ascii.slice(0, maxSnsSubjectLength - 3).trimEnd()}...`;
  return cut === '' ? 'Stripe business alert' : cut;
}

export interface SnsAlertDestinationOptions {
  /** The client, or a factory called on the first alert (the SDK's SNS module is then loaded only when needed). */
  readonly client: SNSClient | (() => SNSClient | Promise<SNSClient>);
  readonly topicArn: string;
}

/**
 * Publishes to the topic. An SNS error is thrown (the client has already retried throttling and 5xx):
 * the consumer's event is retried, and the step ledger keeps the other destinations from repeating.
 */
export function snsAlertDestination(options: SnsAlertDestinationOptions): AlertDestination {
  let client: Promise<SNSClient> | undefined;
  return {
    name: 'sns',
    async send(alert: BusinessAlert) {
      // Loaded on the first alert: a consumer that never alerts does not pay for the module at cold start.
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      const given = options.client;
      client ??= Promise.resolve(typeof given === 'function' ? given() : given);
      await (await client).send(
        new PublishCommand({
          TopicArn: options.topicArn,
          Subject: snsSubject(alert.subject),
          Message: alert.text,
          // Subscribers can filter on these (a PagerDuty subscription for disputes only, say).
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: alert.kind },
            eventId: { DataType: 'String', StringValue: alert.eventId },
          },
        }),
      );
    },
  };
}
