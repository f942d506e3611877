/**
 * The local pipeline's business alerts without the pipeline: the recorder (bounded, newest first, one
 * terminal line each), the dispute reminder clock (the scale, replacing, cancelling, stopping, a failure
 * printed), and the dispute examples `npm run trigger` builds (a deadline after the event).
 */
import type { BusinessAlert } from '../../functions/alerts/alert-ports';
import { buildAnyEvent } from '../../tools/event-catalogue';
import { createLocalAlertRecorder } from '../../tools/local/alerts-recorder';
import {
  createDisputeReminderClock,
  type DisputeReminderOutcome,
  InvalidAlertClockScaleError,
} from '../../tools/local/dispute-reminder-clock';

const alert = (n: number): BusinessAlert => ({
  kind: 'dispute_created',
  eventId: `evt_${n}`,
  subject: `Dispute ${n}`,
  text: `line 1 of ${n}\nline 2`,
  dashboardUrl: `https://dashboard.stripe.com/test/disputes/dp_${n}`,
});

describe('the local alert recorder', () => {
  it('keeps the alerts newest first with when and where, prints one line each, and drops the oldest beyond its bound', async () => {
    // Prepare
    const printed: string[] = [];
    let clock = Date.parse('2026-12-06T10:00:00Z');
    const recorder = createLocalAlertRecorder({
      print: (line) => printed.push(line),
      maxAlerts: 3,
      now: () => {
        clock += 1000;
        return new Date(clock);
      },
    });

    // Act
    for (const n of [1, 2, 3, 4]) await recorder.send(alert(n));

    // Assess
    expect(recorder.name).toBe('local');
    expect(recorder.list().map((a) => a.eventId)).toEqual(['evt_4', 'evt_3', 'evt_2']);
    expect(recorder.list(1)).toEqual([
      {
        at: '2026-12-06T10:00:04.000Z',
        kind: 'dispute_created',
        eventId: 'evt_4',
        subject: 'Dispute 4',
        text: 'line 1 of 4\nline 2',
        destination: 'local',
        dashboardUrl: 'https://dashboard.stripe.com/test/disputes/dp_4',
      },
    ]);
    expect(printed).toHaveLength(4);
    expect(printed[0]).toBe('⚑ alert dispute_created [evt_1]: "Dispute 1"');
  });
});

describe('the dispute reminder clock', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-12-06T10:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function clockWith(scale: number, outcome: DisputeReminderOutcome | Error = 'alerted') {
    const runs: { disputeId: string; now: string }[] = [];
    const printed: string[] = [];
    const clock = createDisputeReminderClock({
      scale,
      print: (line) => printed.push(line),
      run: async (input, now) => {
        runs.push({ disputeId: input.disputeId, now: now.toISOString() });
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
    });
    return { clock, runs, printed };
  }

  const hours = (n: number) => new Date(Date.now() + n * 3_600_000);

  it('fires (at - now) / scale later, on the clock the consumer asked for: 96 hours in 96 s at scale 3600', async () => {
    // Prepare
    const { clock, runs, printed } = clockWith(3600);
    const at = hours(96);

    // Act
    await clock.schedule({ disputeId: 'dp_1', eventId: 'evt_1' }, at);
    await jest.advanceTimersByTimeAsync(95_000);
    const before = runs.length;
    await jest.advanceTimersByTimeAsync(1_000);
    await clock.idle();

    // Assess
    expect(before).toBe(0);
    expect(runs).toEqual([{ disputeId: 'dp_1', now: at.toISOString() }]);
    expect(clock.pending()).toEqual([]);
    expect(printed[0]).toContain(
      '⏰ dispute reminder dp_1 [evt_1] scheduled for 2026-12-10T10:00:00.000Z (fires in 96 s at clock scale 3600)',
    );
    expect(printed[1]).toBe('⏰ dispute reminder dp_1 [evt_1]: still needs a response, alert sent');
  });

  it('fires at once when the time asked for has passed, with the real time as its now', async () => {
    const { clock, runs } = clockWith(1);

    await clock.schedule({ disputeId: 'dp_late', eventId: 'evt_late' }, hours(-5));
    await jest.advanceTimersByTimeAsync(0);
    await clock.idle();

    expect(runs).toEqual([{ disputeId: 'dp_late', now: '2026-12-06T10:00:00.000Z' }]);
  });

  it('replaces an earlier time for the same dispute, and a cancelled reminder never fires', async () => {
    // Prepare
    const { clock, runs, printed } = clockWith(3600);

    // Act
    await clock.schedule({ disputeId: 'dp_1', eventId: 'evt_1' }, hours(10));
    await clock.schedule({ disputeId: 'dp_1', eventId: 'evt_1' }, hours(20));
    await clock.schedule({ disputeId: 'dp_2', eventId: 'evt_2' }, hours(5));
    const pending = clock.pending().map((reminder) => reminder.disputeId);
    await clock.cancel('dp_2');
    await clock.cancel('dp_unknown');
    await jest.advanceTimersByTimeAsync(15_000);
    const afterFifteen = runs.length;
    await jest.advanceTimersByTimeAsync(5_000);
    await clock.idle();

    // Assess
    expect(pending).toEqual(['dp_2', 'dp_1']);
    expect(afterFifteen).toBe(0);
    expect(runs.map((run) => run.disputeId)).toEqual(['dp_1']);
    expect(printed).toContain('⏰ dispute reminder dp_2 cancelled: the dispute closed');
  });

  it('waits in steps a reminder further away than setTimeout can wait (24.8 days)', async () => {
    const { clock, runs } = clockWith(1);

    await clock.schedule({ disputeId: 'dp_far', eventId: 'evt_far' }, hours(30 * 24));
    await jest.advanceTimersByTimeAsync(29 * 24 * 3_600_000);
    const early = runs.length;
    await jest.advanceTimersByTimeAsync(24 * 3_600_000);
    await clock.idle();

    expect(early).toBe(0);
    expect(runs.map((run) => run.disputeId)).toEqual(['dp_far']);
  });

  it('prints what failed, and fires nothing after stop', async () => {
    // Prepare
    const { clock, runs, printed } = clockWith(3600, new Error("Stripe's API answered 500"));

    // Act
    await clock.schedule({ disputeId: 'dp_fail', eventId: 'evt_fail' }, hours(1));
    await clock.schedule({ disputeId: 'dp_stopped', eventId: 'evt_stopped' }, hours(2));
    await jest.advanceTimersByTimeAsync(1_000);
    await clock.idle();
    clock.stop();
    await jest.advanceTimersByTimeAsync(10_000);

    // Assess
    expect(runs.map((run) => run.disputeId)).toEqual(['dp_fail']);
    expect(printed).toContain("✖ dispute reminder dp_fail [evt_fail] failed: Stripe's API answered 500");
    expect(clock.pending()).toEqual([]);
  });

  it('refuses a scale below real time or beyond 10 days a second', () => {
    for (const scale of [0, 0.5, 864_001, Number.NaN]) {
      expect(() => createDisputeReminderClock({ scale, run: async () => 'alerted' })).toThrow(
        InvalidAlertClockScaleError,
      );
    }
  });
});

describe('the examples npm run trigger builds for the alerts', () => {
  it('gives a created dispute a deadline 7 days after the event, needing a response', () => {
    const { event } = buildAnyEvent('charge.dispute.created', { created: Date.parse('2026-12-06T10:00:00Z') / 1000 });
    const dispute = (event.data as { object: Record<string, unknown> }).object;
    const evidence = dispute.evidence_details as { due_by: number; past_due: boolean };

    expect(new Date(evidence.due_by * 1000).toISOString()).toBe('2026-12-13T10:00:00.000Z');
    expect(evidence.past_due).toBe(false);
    expect(dispute.status).toBe('needs_response');
    expect(dispute.id).toMatch(/^dp_test_/);
  });

  it('gives a closed dispute an outcome and a failed payout its failure', () => {
    const closed = (buildAnyEvent('charge.dispute.closed').event.data as { object: Record<string, unknown> }).object;
    const payout = (buildAnyEvent('payout.failed').event.data as { object: Record<string, unknown> }).object;

    expect(closed.status).toBe('lost');
    expect(payout).toMatchObject({
      status: 'failed',
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed.',
    });
  });
});
