/** In-memory stand-ins for the consumer's ports (store, mailer, logger): unit tests, the simulation and the consumer benchmark use them. */
import type {
  ClaimOptions,
  ClaimResult,
  IdempotencyStore,
  StepRecord,
} from '../../functions/consumer/idempotency-store';
import { ClaimLostError } from '../../functions/consumer/idempotency-store';
import type { Mailer, OutgoingEmail } from '../../functions/consumer/mailer';
import type { LoggerPort } from '../../functions/shared/logger';

interface StoredEvent {
  status: 'IN_PROGRESS' | 'RELEASED' | 'COMPLETED';
  token: string | undefined;
  inProgressUntil: number;
  expiresAt: number;
  payloadHash: string;
  steps: Map<string, StepRecord>;
}

/** The idempotency table's semantics in memory (the DynamoDB version is tested against moto). */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly items = new Map<string, StoredEvent>();
  readonly objects = new Map<string, number>();
  private nextToken = 0;

  async claim(eventId: string, options: ClaimOptions): Promise<ClaimResult> {
    const existing = this.items.get(eventId);
    if (existing?.status === 'COMPLETED') return { status: 'already_done', firstPayloadHash: existing.payloadHash };
    if (existing?.status === 'IN_PROGRESS' && existing.inProgressUntil >= options.nowSeconds) {
      return { status: 'in_progress', untilSeconds: existing.inProgressUntil, firstPayloadHash: existing.payloadHash };
    }
    const token = `token-${++this.nextToken}`;
    const item: StoredEvent = {
      status: 'IN_PROGRESS',
      token,
      inProgressUntil: options.inProgressUntilSeconds,
      expiresAt: options.expiresAtSeconds,
      payloadHash: existing?.payloadHash ?? options.payloadHash,
      steps: existing?.steps ?? new Map(),
    };
    this.items.set(eventId, item);
    return { status: 'claimed', token, completedSteps: new Map(item.steps), firstPayloadHash: item.payloadHash };
  }

  private held(eventId: string, token: string): StoredEvent {
    const item = this.items.get(eventId);
    if (item?.status !== 'IN_PROGRESS' || item.token !== token) throw new ClaimLostError(eventId);
    return item;
  }

  async recordStep(eventId: string, token: string, stepKey: string, record: StepRecord): Promise<void> {
    this.held(eventId, token).steps.set(stepKey, record);
  }

  async complete(eventId: string, token: string, options: { expiresAtSeconds: number }): Promise<void> {
    const item = this.held(eventId, token);
    Object.assign(item, { status: 'COMPLETED', token: undefined, expiresAt: options.expiresAtSeconds });
  }

  async release(eventId: string, token: string): Promise<void> {
    const item = this.items.get(eventId);
    if (item?.status === 'IN_PROGRESS' && item.token === token)
      Object.assign(item, { status: 'RELEASED', token: undefined });
  }

  async lastApplied(objectId: string): Promise<number | undefined> {
    return this.objects.get(objectId);
  }

  async markApplied(objectId: string, createdSeconds: number): Promise<boolean> {
    const last = this.objects.get(objectId);
    if (last !== undefined && last > createdSeconds) return false;
    this.objects.set(objectId, createdSeconds);
    return true;
  }
}

export class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  failNext = 0;

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('SES is unavailable (injected)');
    }
    this.sent.push(email);
    return { messageId: `message-${this.sent.length}` };
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  details: Record<string, unknown>;
}

export class RecordingLogger implements LoggerPort {
  readonly lines: LogLine[] = [];
  info(message: string, details: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, details });
  }
  warn(message: string, details: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, details });
  }
  error(message: string, details: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, details });
  }
}
