import {
  AccountSendingPausedException,
  ConfigurationSetDoesNotExistException,
  ConfigurationSetSendingPausedException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  type SESClient,
  type SendEmailCommand,
  type SendEmailCommandInput,
} from '@aws-sdk/client-ses';
import { type ConsumerDependencies, consumeEvent, type HandlerContext } from '../../functions/consumer/consume-event';
import { readDeliverabilityConfig } from '../../functions/consumer/deliverability-config';
import { EventRegistry } from '../../functions/consumer/event-registry';
import { type Mailer, PermanentEmailError, permanentEmailErrorOf, sesMailer } from '../../functions/consumer/mailer';
import { pacedMailer } from '../../functions/consumer/paced-mailer';
import { processRecord } from '../../functions/consumer/process-record';
import { normalizeAddress } from '../../functions/shared/suppression-store';
import { buildStripeEvent } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

const metadata = { $metadata: {} };
const recipient = 'jenny.rosen@example.com';

/** An SES client whose every send answers with `answer` (a message id, or an error to throw). */
function fakeSes(answer: string | Error) {
  const inputs: SendEmailCommandInput[] = [];
  const client = {
    send: async (command: SendEmailCommand) => {
      inputs.push(command.input);
      if (answer instanceof Error) throw answer;
      return { MessageId: answer };
    },
  } as unknown as SESClient;
  return { client, inputs };
}

const email = { to: recipient, subject: 'Receipt', text: 't', html: 'h' };

describe('sesMailer', () => {
  it('names the configuration set on every send', async () => {
    // Prepare
    const { client, inputs } = fakeSes('m-1');
    const mailer = sesMailer(client, 'receipts@example.com', { configurationSetName: 'stripe-webhooks-dev' });
    // Act
    const sent = [await mailer.send(email), await mailer.send({ ...email, to: 'other@example.com' })];
    // Assess
    expect(sent).toEqual([{ messageId: 'm-1' }, { messageId: 'm-1' }]);
    expect(inputs.map((input) => input.ConfigurationSetName)).toEqual(['stripe-webhooks-dev', 'stripe-webhooks-dev']);
    expect(inputs[0]).toMatchObject({ Source: 'receipts@example.com', Destination: { ToAddresses: [recipient] } });
  });

  it('names no configuration set when none is configured', async () => {
    // Prepare
    const { client, inputs } = fakeSes('m-1');
    // Act
    await sesMailer(client, 'receipts@example.com').send(email);
    // Assess
    expect(inputs[0]).not.toHaveProperty('ConfigurationSetName');
  });

  it.each([
    [
      'an unverified address (sandbox)',
      new MessageRejected({
        message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${recipient}`,
        ...metadata,
      }),
      'MessageRejected',
      /sandbox.*production access/,
    ],
    [
      'rejected content',
      new MessageRejected({ message: 'Message rejected: content', ...metadata }),
      'MessageRejected',
      /content/,
    ],
    [
      'a paused account',
      new AccountSendingPausedException({ message: 'Account sending paused.', ...metadata }),
      'AccountSendingPausedException',
      /paused for the whole SES account/,
    ],
    [
      'a paused configuration set',
      new ConfigurationSetSendingPausedException({
        message: 'paused',
        ConfigurationSetName: 'cs',
        ...metadata,
      }),
      'ConfigurationSetSendingPausedException',
      /put-configuration-set-sending-options --configuration-set-name cs --sending-enabled/,
    ],
    [
      'a missing configuration set',
      new ConfigurationSetDoesNotExistException({ message: 'nope', ConfigurationSetName: 'cs', ...metadata }),
      'ConfigurationSetDoesNotExistException',
      /does not exist in this region/,
    ],
    [
      'an unverified MAIL FROM domain',
      new MailFromDomainNotVerifiedException({ message: 'MAIL FROM not verified', ...metadata }),
      'MailFromDomainNotVerifiedException',
      /MX and SPF records/,
    ],
  ])(
    'throws a PermanentEmailError for %s, saying what to fix and never naming the recipient',
    async (_name, error, code, fix) => {
      // Prepare
      const { client } = fakeSes(error);
      const mailer = sesMailer(client, 'receipts@example.com', { configurationSetName: 'cs' });
      // Act
      const thrown = await mailer.send(email).catch((caught: unknown) => caught);
      // Assess
      expect(thrown).toBeInstanceOf(PermanentEmailError);
      expect(thrown).toMatchObject({ code, message: expect.stringMatching(fix) });
      expect((thrown as Error).message).not.toContain(recipient);
      expect((thrown as Error).message).toContain('npm run ses:check');
    },
  );

  it.each([
    ['throttling', Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' })],
    ['the daily quota', Object.assign(new Error('Daily message quota exceeded.'), { name: 'Throttling' })],
    ['a network failure', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
    ['a bad parameter', Object.assign(new Error('Missing final @domain'), { name: 'InvalidParameterValue' })],
  ])('passes %s through unchanged', async (_name, error) => {
    // Prepare
    const { client } = fakeSes(error);
    // Act + Assess
    await expect(sesMailer(client, 'receipts@example.com').send(email)).rejects.toBe(error);
    expect(permanentEmailErrorOf(error)).toBeUndefined();
  });

  it('keeps SES throttling on the requeue path, with the configuration set named', async () => {
    // Prepare: the real mailer stack of the consumer (paced SES mailer) on a throttling SES
    const throttling = Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' });
    const { client } = fakeSes(throttling);
    const { deps } = setup(
      oneEmailRegistry(),
      pacedMailer(sesMailer(client, 'r@example.com', { configurationSetName: 'cs' }), 0),
    );
    // Act
    const decision = await processRecord(JSON.stringify(buildStripeEvent('invoice.paid')), 0, deps);
    // Assess
    expect(decision).toMatchObject({ kind: 'requeue', delaySeconds: 10, throttleRetries: 1 });
  });
});

class MemorySuppressions {
  readonly addresses = new Set<string>();
  lookups = 0;
  async find(address: string) {
    this.lookups += 1;
    return this.addresses.has(normalizeAddress(address)) ? { address } : undefined;
  }
}

function oneEmailRegistry(to = recipient) {
  return new EventRegistry<HandlerContext>().on('invoice.paid', async (_event, context) => {
    await context.sendEmail({ to, subject: 'Receipt', text: 't', html: 'h' });
  });
}

function setup(registry: EventRegistry<HandlerContext>, mailer: Mailer = new RecordingMailer()) {
  const store = new InMemoryIdempotencyStore();
  const logger = new RecordingLogger();
  const suppressions = new MemorySuppressions();
  const counts = new Map<string, number>();
  const deps: ConsumerDependencies = {
    registry,
    store,
    mailer,
    suppressions,
    logger,
    metrics: { count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value) },
    now: () => new Date('2026-11-22T10:00:00Z'),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
  };
  return { deps, store, logger, suppressions, counts, mailer };
}

describe('sendEmail and the suppression list', () => {
  it('skips a suppressed recipient: no send, counted, logged without the address, and the event is processed', async () => {
    // Prepare
    const mailer = new RecordingMailer();
    const { deps, suppressions, counts, logger, store } = setup(oneEmailRegistry('Jenny.Rosen@Example.com'), mailer);
    suppressions.addresses.add(recipient);
    const event = buildStripeEvent('invoice.paid');
    // Act
    const outcome = await consumeEvent(JSON.stringify(event), deps);
    // Assess
    expect(mailer.sent).toEqual([]);
    expect(outcome).toMatchObject({
      status: 'processed',
      emails: [],
      unsentEmails: [{ to: 'Jenny.Rosen@Example.com', subject: 'Receipt', reason: 'suppressed' }],
    });
    expect(counts.get('EmailsSuppressed')).toBe(1);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ details: expect.objectContaining({ outcome: 'suppressed', eventId: event.id }) }),
    );
    expect(JSON.stringify(logger.lines)).not.toMatch(/jenny\.rosen/i);
    // Nothing happened, so nothing is recorded: an address erased before a retry would get the email.
    expect(store.items.get(event.id)?.steps.size).toBe(0);
  });

  it('sends to an address that is not suppressed, looking it up once', async () => {
    // Prepare
    const mailer = new RecordingMailer();
    const { deps, suppressions, counts } = setup(oneEmailRegistry(), mailer);
    suppressions.addresses.add('someone.else@example.com');
    // Act
    const outcome = await consumeEvent(JSON.stringify(buildStripeEvent('invoice.paid')), deps);
    // Assess
    expect(mailer.sent.map((sent) => sent.to)).toEqual([recipient]);
    expect(outcome).toMatchObject({ status: 'processed', unsentEmails: [] });
    expect(suppressions.lookups).toBe(1);
    expect(counts.get('EmailsSuppressed')).toBeUndefined();
  });

  it('does not look up a step an earlier attempt already did', async () => {
    // Prepare: the first attempt sends, then fails in a later handler
    const mailer = new RecordingMailer();
    let fail = true;
    const registry = oneEmailRegistry().on('invoice.paid', async () => {
      if (fail) throw new Error('later handler failed (injected)');
    });
    const { deps, suppressions } = setup(registry, mailer);
    const body = JSON.stringify(buildStripeEvent('invoice.paid'));
    await expect(consumeEvent(body, deps)).rejects.toThrow(/injected/);
    fail = false;
    suppressions.addresses.add(recipient);
    // Act
    const outcome = await consumeEvent(body, deps);
    // Assess: the retry reports the step as skipped, not the address as suppressed
    expect(outcome).toMatchObject({ status: 'processed', unsentEmails: [], skippedSteps: [`email:${recipient}`] });
    expect(suppressions.lookups).toBe(1);
    expect(mailer.sent).toHaveLength(1);
  });

  it('fails the event when the suppression list cannot be read, so that it is retried', async () => {
    // Prepare
    const mailer = new RecordingMailer();
    const { deps } = setup(oneEmailRegistry(), mailer);
    const broken = {
      ...deps,
      suppressions: { find: async () => Promise.reject(new Error('DynamoDB down (injected)')) },
    };
    // Act + Assess
    await expect(consumeEvent(JSON.stringify(buildStripeEvent('invoice.paid')), broken)).rejects.toThrow(/injected/);
    expect(mailer.sent).toEqual([]);
  });
});

describe('sendEmail and permanent SES errors', () => {
  class RejectingMailer implements Mailer {
    readonly attempts: string[] = [];
    async send(sent: { readonly to: string }) {
      this.attempts.push(sent.to);
      if (sent.to === recipient) throw new PermanentEmailError('MessageRejected', 'SES rejected the email (test).');
      return { messageId: `m-${this.attempts.length}` };
    }
  }

  it('records the rejected email as a done step, counts it, and still runs the other handlers', async () => {
    // Prepare: a receipt SES rejects, then a second handler's email that goes out
    const mailer = new RejectingMailer();
    const ran: string[] = [];
    const registry = oneEmailRegistry().on('invoice.paid', async (_event, context) => {
      ran.push('second handler');
      await context.sendEmail({ to: 'finance@example.com', subject: 'Paid', text: 't', html: 'h' });
    });
    const { deps, store, counts, logger } = setup(registry, mailer);
    const event = buildStripeEvent('invoice.paid');
    // Act
    const outcome = await consumeEvent(JSON.stringify(event), deps);
    // Assess
    expect(ran).toEqual(['second handler']);
    expect(outcome).toMatchObject({
      status: 'processed',
      emails: [expect.objectContaining({ to: 'finance@example.com' })],
      unsentEmails: [{ to: recipient, subject: 'Receipt', reason: 'rejected', code: 'MessageRejected' }],
    });
    expect(store.items.get(event.id)?.steps.get(`email:${recipient}`)).toMatchObject({
      reference: 'rejected:MessageRejected',
    });
    expect(counts.get('EmailsRejected')).toBe(1);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        details: expect.objectContaining({ outcome: 'rejected', code: 'MessageRejected' }),
      }),
    );
  });

  it('never tries a rejected email again when the event is retried', async () => {
    // Prepare: the rejection is recorded, then a later handler fails the attempt
    const mailer = new RejectingMailer();
    let fail = true;
    const registry = oneEmailRegistry().on('invoice.paid', async () => {
      if (fail) throw new Error('later handler failed (injected)');
    });
    const { deps } = setup(registry, mailer);
    const body = JSON.stringify(buildStripeEvent('invoice.paid'));
    await expect(consumeEvent(body, deps)).rejects.toThrow(/injected/);
    fail = false;
    // Act
    const outcome = await consumeEvent(body, deps);
    // Assess
    expect(mailer.attempts).toEqual([recipient]);
    expect(outcome).toMatchObject({ status: 'processed', skippedSteps: [`email:${recipient}`] });
  });

  it('still fails the event on any other send error, so that it is retried', async () => {
    // Prepare
    const mailer = new RecordingMailer();
    mailer.failNext = 1;
    const { deps, store } = setup(oneEmailRegistry(), mailer);
    const event = buildStripeEvent('invoice.paid');
    // Act + Assess
    await expect(consumeEvent(JSON.stringify(event), deps)).rejects.toThrow(/unavailable/);
    expect(store.items.get(event.id)?.steps.size).toBe(0);
  });
});

describe('readDeliverabilityConfig', () => {
  it('reads both names, and leaves out what is unset or blank', () => {
    // Act + Assess
    expect(
      readDeliverabilityConfig({ SES_CONFIGURATION_SET_NAME: ' cs ', SUPPRESSION_TABLE_NAME: 'suppression' }),
    ).toEqual({ configurationSetName: 'cs', suppressionTableName: 'suppression' });
    expect(readDeliverabilityConfig({ SES_CONFIGURATION_SET_NAME: '  ' })).toEqual({});
  });
});
