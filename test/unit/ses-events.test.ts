import {
  addressForLog,
  handleSesNotification,
  type SesNotificationDependencies,
} from '../../functions/ses-events/handle-ses-notification';
import {
  normalizeAddress,
  type SuppressionEntry,
  type SuppressionStore,
} from '../../functions/shared/suppression-store';
import { simulatedSesNotification } from '../../tools/local/ses-simulator';
import { RecordingLogger } from '../../tools/testing/consumer-fakes';

class MemorySuppressionStore implements SuppressionStore {
  readonly entries = new Map<string, SuppressionEntry>();
  failWith: Error | undefined;
  async find(address: string) {
    return this.entries.get(normalizeAddress(address));
  }
  async suppress(entry: SuppressionEntry) {
    if (this.failWith) throw this.failWith;
    this.entries.set(normalizeAddress(entry.address), entry);
  }
}

const now = new Date('2026-11-22T10:00:00Z');

function setup() {
  const store = new MemorySuppressionStore();
  const logger = new RecordingLogger();
  const counts = new Map<string, number>();
  const deps: SesNotificationDependencies = {
    store,
    logger,
    metrics: { count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value) },
    now: () => now,
  };
  return { deps, store, logger, counts };
}

const mail = (destination: string[]) => ({
  timestamp: '2026-11-22T09:59:58.000Z',
  source: 'receipts@example.com',
  messageId: '0100019a-mail-id-000000',
  destination,
});

/** Configuration-set event publishing: `eventType`. */
const bounceEvent = (bounceType: string, recipients: string[], bounceSubType = 'General') =>
  JSON.stringify({
    eventType: 'Bounce',
    bounce: {
      feedbackId: 'feedback-1',
      bounceType,
      bounceSubType,
      bouncedRecipients: recipients.map((emailAddress) => ({ emailAddress, action: 'failed', status: '5.1.1' })),
      timestamp: '2026-11-22T09:59:59.500Z',
    },
    mail: mail(recipients),
  });

const complaintEvent = (recipients: string[], complaintFeedbackType?: string) =>
  JSON.stringify({
    eventType: 'Complaint',
    complaint: {
      feedbackId: 'feedback-2',
      complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
      timestamp: '2026-11-22T09:59:59.000Z',
      ...(complaintFeedbackType === undefined ? {} : { complaintFeedbackType }),
    },
    mail: mail(recipients),
  });

/** All text of every log line, to check that no address ever shows. */
const loggedText = (logger: RecordingLogger) => JSON.stringify(logger.lines);

describe('handleSesNotification: configuration-set event publishing (eventType)', () => {
  it('suppresses each recipient of a permanent bounce, with its sub-type, time and message id', async () => {
    // Prepare
    const { deps, store, counts } = setup();
    // Act
    const outcome = await handleSesNotification(
      bounceEvent('Permanent', ['gone@example.org', 'also.gone@example.net'], 'NoEmail'),
      deps,
    );
    // Assess
    expect(outcome).toMatchObject({ kind: 'permanent_bounce', type: 'Bounce', messageId: '0100019a-mail-id-000000' });
    expect([...store.entries.values()]).toEqual([
      {
        address: 'gone@example.org',
        reason: 'bounce',
        detail: 'NoEmail',
        atSeconds: Date.parse('2026-11-22T09:59:59.500Z') / 1000 - 0.5,
        messageId: '0100019a-mail-id-000000',
      },
      expect.objectContaining({ address: 'also.gone@example.net', reason: 'bounce' }),
    ]);
    expect(Object.fromEntries(counts)).toEqual({ SesBounces: 1, Suppressed: 2 });
  });

  it('only counts a transient bounce: the address stays allowed', async () => {
    // Prepare
    const { deps, store, counts, logger } = setup();
    // Act
    const outcome = await handleSesNotification(
      bounceEvent('Transient', ['full.mailbox@example.org'], 'MailboxFull'),
      deps,
    );
    // Assess
    expect(outcome).toEqual({
      kind: 'transient_bounce',
      type: 'Bounce',
      messageId: '0100019a-mail-id-000000',
      suppressed: [],
    });
    expect(store.entries.size).toBe(0);
    expect(Object.fromEntries(counts)).toEqual({ SesBounces: 1, SesTransientBounces: 1 });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        details: expect.objectContaining({ outcome: 'transient_bounce', bounceSubType: 'MailboxFull' }),
      }),
    );
  });

  it('treats an undetermined bounce as not permanent', async () => {
    // Prepare
    const { deps, store } = setup();
    // Act
    const outcome = await handleSesNotification(bounceEvent('Undetermined', ['who@example.org'], 'Undetermined'), deps);
    // Assess
    expect(outcome.kind).toBe('transient_bounce');
    expect(store.entries.size).toBe(0);
  });

  it('suppresses the recipients of a complaint, with the feedback type', async () => {
    // Prepare
    const { deps, store, counts } = setup();
    // Act
    const outcome = await handleSesNotification(complaintEvent(['angry@example.org'], 'abuse'), deps);
    // Assess
    expect(outcome.kind).toBe('complaint');
    expect(store.entries.get('angry@example.org')).toMatchObject({ reason: 'complaint', detail: 'abuse' });
    expect(Object.fromEntries(counts)).toEqual({ SesComplaints: 1, Suppressed: 1 });
  });

  it('suppresses a complaint without a feedback type too (mailbox providers often send none)', async () => {
    // Prepare
    const { deps, store } = setup();
    // Act
    await handleSesNotification(complaintEvent(['quiet@example.org']), deps);
    // Assess
    expect(store.entries.get('quiet@example.org')).toMatchObject({ reason: 'complaint', detail: 'unspecified' });
  });

  it('counts a reject and a delivery delay without suppressing anyone', async () => {
    // Prepare
    const { deps, store, counts } = setup();
    const reject = JSON.stringify({
      eventType: 'Reject',
      reject: { reason: 'Bad content' },
      mail: mail(['a@example.org']),
    });
    const delay = JSON.stringify({
      eventType: 'DeliveryDelay',
      deliveryDelay: {
        delayType: 'MailboxFull',
        delayedRecipients: [{ emailAddress: 'slow@example.org', status: '4.2.2' }],
        timestamp: '2026-11-22T09:59:59.000Z',
      },
      mail: mail(['slow@example.org']),
    });
    // Act
    const outcomes = [await handleSesNotification(reject, deps), await handleSesNotification(delay, deps)];
    // Assess
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['reject', 'delivery_delay']);
    expect(store.entries.size).toBe(0);
    expect(Object.fromEntries(counts)).toEqual({ SesRejects: 1, SesDeliveryDelays: 1 });
  });

  it('reads the notification the local SES simulator builds exactly as it reads one from SES', async () => {
    // Prepare
    const { deps, store } = setup();
    const message = simulatedSesNotification(
      'bounce',
      { messageId: 'm-1', to: 'bounce+x@simulator.amazonses.com', subject: 'Receipt' },
      { senderAddress: 'receipts@example.com', configurationSetName: 'local' },
    );
    // Act
    const outcome = await handleSesNotification(message, deps);
    // Assess
    expect(outcome).toMatchObject({ kind: 'permanent_bounce', messageId: 'm-1' });
    expect([...store.entries.keys()]).toEqual(['bounce+x@simulator.amazonses.com']);
  });
});

describe('handleSesNotification: identity notifications (notificationType)', () => {
  it('suppresses a permanent bounce and a complaint in the notification format, and ignores a delivery', async () => {
    // Prepare
    const { deps, store, counts } = setup();
    const asNotification = (message: string) => {
      const { eventType, ...rest } = JSON.parse(message) as { eventType: string };
      return JSON.stringify({ notificationType: eventType, ...rest });
    };
    const delivery = JSON.stringify({ notificationType: 'Delivery', mail: mail(['ok@example.org']), delivery: {} });
    // Act
    const kinds = [
      (await handleSesNotification(asNotification(bounceEvent('Permanent', ['gone@example.org'])), deps)).kind,
      (await handleSesNotification(asNotification(complaintEvent(['angry@example.org'], 'abuse')), deps)).kind,
      (await handleSesNotification(delivery, deps)).kind,
    ];
    // Assess
    expect(kinds).toEqual(['permanent_bounce', 'complaint', 'ignored']);
    expect([...store.entries.keys()].sort()).toEqual(['angry@example.org', 'gone@example.org']);
    expect(counts.get('SesNotificationsIgnored')).toBe(1);
  });
});

describe('handleSesNotification: addresses', () => {
  it('normalizes only by trimming and lower-casing: a +label stays part of the address', async () => {
    // Prepare
    const { deps, store } = setup();
    // Act
    await handleSesNotification(bounceEvent('Permanent', ['  Jenny.Rosen+Receipts@Example.COM ']), deps);
    // Assess
    expect([...store.entries.keys()]).toEqual(['jenny.rosen+receipts@example.com']);
    expect(await store.find('jenny.rosen@example.com')).toBeUndefined();
  });

  it('never logs an address: only its domain and a short hash', async () => {
    // Prepare
    const { deps, logger } = setup();
    // Act
    await handleSesNotification(bounceEvent('Permanent', ['secret.person@example.org']), deps);
    await handleSesNotification(complaintEvent(['other.person@example.net'], 'abuse'), deps);
    // Assess
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(loggedText(logger)).not.toMatch(/secret\.person|other\.person/);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ details: expect.objectContaining(addressForLog('secret.person@example.org')) }),
    );
    expect(addressForLog('Secret.Person@Example.org ')).toEqual({
      recipientDomain: 'example.org',
      recipientHash: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
  });
});

describe('handleSesNotification: what it cannot use', () => {
  it.each([
    ['text that is not JSON', 'not json at all'],
    ['JSON that is not an object', '[1, 2]'],
    ['an object without eventType or notificationType', JSON.stringify({ hello: 'world' })],
    ['an empty message', ''],
  ])('acknowledges %s without throwing, logged and counted', async (_name, message) => {
    // Prepare
    const { deps, store, counts, logger } = setup();
    // Act
    const outcome = await handleSesNotification(message, deps);
    // Assess
    expect(outcome).toEqual({ kind: 'unrecognized', suppressed: [] });
    expect(store.entries.size).toBe(0);
    expect(Object.fromEntries(counts)).toEqual({ SesNotificationsIgnored: 1 });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn' })]);
  });

  it('acknowledges an unknown event type, and a bounce whose recipients are missing or malformed', async () => {
    // Prepare
    const { deps, store } = setup();
    const noRecipients = JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent' }, mail: {} });
    const badRecipients = JSON.stringify({
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [{ emailAddress: 42 }, 'x', null, { emailAddress: 'no-at' }],
      },
    });
    // Act
    const outcomes = [
      await handleSesNotification(JSON.stringify({ eventType: 'Open', open: {} }), deps),
      await handleSesNotification(noRecipients, deps),
      await handleSesNotification(badRecipients, deps),
    ];
    // Assess
    expect(outcomes.map((outcome) => [outcome.kind, outcome.suppressed.length])).toEqual([
      ['ignored', 0],
      ['permanent_bounce', 0],
      ['permanent_bounce', 0],
    ]);
    expect(store.entries.size).toBe(0);
  });

  it('throws when the store cannot be written, so that SNS and Lambda deliver the notification again', async () => {
    // Prepare
    const { deps, store } = setup();
    store.failWith = new Error('ProvisionedThroughputExceededException (injected)');
    // Act + Assess
    await expect(handleSesNotification(bounceEvent('Permanent', ['gone@example.org']), deps)).rejects.toThrow(
      /injected/,
    );
  });
});
