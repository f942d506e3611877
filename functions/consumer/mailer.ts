import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';

export interface OutgoingEmail {
  /**
   * The From address; it must be one the consumer may send from (the sender address, or a connected
   * account's in `connectedAccountEmails`). @default the pipeline's sender address
   */
  readonly from?: string;
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

/**
 * SES refused this email for a reason that sending it again will not fix. The consumer records the email
 * as done (`rejected:<code>`) instead of retrying the event, so the event's other effects still happen;
 * the message says what to fix and never names the recipient.
 */
export class PermanentEmailError extends Error {
  constructor(
    /** SES's error code, e.g. `MessageRejected`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentEmailError';
  }
}

const sesCheckHint = 'Run `npm run ses:check` against the account to see what else needs fixing.';

/**
 * What to fix for each SES error that no retry can cure. SES's own messages are not reused: some name
 * the identities that failed a check, recipients included.
 */
const permanentErrors: Readonly<Record<string, (error: Error, configurationSetName: string | undefined) => string>> = {
  MessageRejected: (error) =>
    /not verified/i.test(error.message)
      ? 'SES rejected the email because an address is not a verified identity: verify the sender address or its domain in this region, and while the account is in the SES sandbox, every recipient must be verified too (request production access to lift that).'
      : 'SES rejected the email (MessageRejected), e.g. for its content; check the message the template produces.',
  AccountSendingPausedException: () =>
    'Sending is paused for the whole SES account, usually after a bounce or complaint rate review: see the reputation dashboard in the SES console, fix the cause, and have AWS resume sending (`aws ses update-account-sending-enabled --enabled` once allowed).',
  ConfigurationSetSendingPausedException: (_error, name) =>
    `Sending is paused for the SES configuration set ${name ?? '(unnamed)'}: resume it with \`aws sesv2 put-configuration-set-sending-options --configuration-set-name ${name ?? '<name>'} --sending-enabled\` once the cause is fixed.`,
  ConfigurationSetDoesNotExistException: (_error, name) =>
    `The SES configuration set ${name ?? '(unnamed)'} does not exist in this region: deploy the stack that creates it, or fix the SES_CONFIGURATION_SET_NAME variable.`,
  MailFromDomainNotVerifiedException: () =>
    "The sender identity's custom MAIL FROM domain is not verified: publish its MX and SPF records, or set its behaviour on MX failure to UseDefaultValue.",
};

/**
 * The typed error for an SES error that a retry cannot fix, or `undefined` for any other error
 * (throttling included: that one is requeued with a delay, see `process-record.ts`).
 */
export function permanentEmailErrorOf(error: unknown, configurationSetName?: string): PermanentEmailError | undefined {
  if (!(error instanceof Error)) return undefined;
  const explain = Object.hasOwn(permanentErrors, error.name) ? permanentErrors[error.name] : undefined;
  if (explain === undefined) return undefined;
  return new PermanentEmailError(error.name, `${explain(error, configurationSetName)} ${sesCheckHint}`);
}

export interface SesMailerOptions {
  /**
   * SES configuration set named on every send: its event destination reports the bounces and complaints
   * that feed the suppression list, and its reputation metrics cover these emails.
   * @default none
   */
  readonly configurationSetName?: string;
  /** Other From addresses emails may name (connected accounts' senders). @default none */
  readonly otherSenders?: readonly string[];
}

export class SenderNotAllowedError extends Error {
  constructor(from: string) {
    super(
      `A handler asked to send from ${from}, which is neither the sender address nor a connected account's senderAddress in connectedAccountEmails; the consumer's IAM policy allows only those. Add it there (and verify it in SES), or leave "from" unset.`,
    );
    this.name = 'SenderNotAllowedError';
  }
}

/**
 * Sends through SES from the configured sender, or from one of `otherSenders` when the email names it
 * (the IAM policy allows exactly these, so anything else is refused here with a message first).
 */
export function sesMailer(client: SESClient, senderAddress: string, options: SesMailerOptions = {}): Mailer {
  const { configurationSetName } = options;
  const allowed = new Set([senderAddress.toLowerCase(), ...(options.otherSenders ?? []).map((a) => a.toLowerCase())]);
  return {
    async send(email) {
      const from = email.from ?? senderAddress;
      if (!allowed.has(from.toLowerCase())) throw new SenderNotAllowedError(from);
      try {
        const output = await client.send(
          new SendEmailCommand({
            Source: from,
            Destination: { ToAddresses: [email.to] },
            Message: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
            },
            ...(configurationSetName === undefined ? {} : { ConfigurationSetName: configurationSetName }),
          }),
        );
        return { messageId: output.MessageId ?? '' };
      } catch (error) {
        throw permanentEmailErrorOf(error, configurationSetName) ?? error;
      }
    },
  };
}
