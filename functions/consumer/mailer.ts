import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface SendOptions {
  /** Epoch milliseconds after which a send that would have to wait (pacing) is refused instead. */
  readonly deadlineMs?: number;
}

export interface Mailer {
  /** Sends one email; resolves with SES's message id once SES accepted it. */
  send(email: OutgoingEmail, options?: SendOptions): Promise<{ readonly messageId: string }>;
}

/** Sends through SES, always from the one configured sender (the only identity the IAM policy allows). */
export function sesMailer(client: SESClient, senderAddress: string): Mailer {
  return {
    async send(email) {
      const output = await client.send(
        new SendEmailCommand({
          Source: senderAddress,
          Destination: { ToAddresses: [email.to] },
          Message: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          },
        }),
      );
      return { messageId: output.MessageId ?? '' };
    },
  };
}
