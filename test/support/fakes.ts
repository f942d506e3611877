import type { ConsumerLogger } from '../../functions/consumer/consume-event';
import type { ClaimResult, IdempotencyStore } from '../../functions/consumer/idempotency-store';
import type { Mailer, OutgoingEmail } from '../../functions/consumer/mailer';

interface StoredItem {
  status: 'IN_PROGRESS' | 'COMPLETED';
  token: string;
  inProgressUntil: number;
  expiresAt: number;
}

/** The idempotency table's semantics in memory (the DynamoDB version is tested against moto). */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly items = new Map<string, StoredItem>();
  private nextToken = 0;

  async claim(eventId: string, options: { nowSeconds: number; inProgressUntilSeconds: number }): Promise<ClaimResult> {
    const existing = this.items.get(eventId);
    if (existing?.status === 'COMPLETED') return { status: 'already_done' };
    if (existing && existing.inProgressUntil >= options.nowSeconds) {
      return { status: 'in_progress', untilSeconds: existing.inProgressUntil };
    }
    const token = `token-${++this.nextToken}`;
    this.items.set(eventId, {
      status: 'IN_PROGRESS',
      token,
      inProgressUntil: options.inProgressUntilSeconds,
      expiresAt: 0,
    });
    return { status: 'claimed', token };
  }

  async complete(eventId: string, token: string, options: { expiresAtSeconds: number }): Promise<void> {
    const item = this.items.get(eventId);
    if (item?.token !== token) throw new Error(`claim on ${eventId} lost`);
    this.items.set(eventId, { ...item, status: 'COMPLETED', expiresAt: options.expiresAtSeconds });
  }

  async release(eventId: string, token: string): Promise<void> {
    if (this.items.get(eventId)?.token === token) this.items.delete(eventId);
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

export class RecordingLogger implements ConsumerLogger {
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
