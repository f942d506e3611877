import { InvalidSettingError, resolveSettings } from '../../config/settings';

describe('resolveSettings', () => {
  it('derives the visibility timeout as six times the consumer timeout', () => {
    expect(resolveSettings({ consumerTimeoutSeconds: 45 }).visibilityTimeoutSeconds).toBe(270);
    expect(resolveSettings().visibilityTimeoutSeconds).toBe(180);
  });

  it('defaults to 5 receives before the dead-letter queue and 30 days of idempotency', () => {
    const settings = resolveSettings();
    expect(settings.maxReceiveCount).toBe(5);
    expect(settings.idempotencyRetentionDays).toBe(30);
    expect(settings.deadLetterRetentionDays).toBe(14);
  });

  it.each([
    [{ consumerBatchSize: 11 }, /consumerBatchSize.*from 1 to 10/],
    [{ consumerMaxConcurrency: 1 }, /consumerMaxConcurrency.*from 2 to 1000/],
    [{ idempotencyRetentionDays: 7 }, /idempotencyRetentionDays.*from 30/],
    [{ maxReceiveCount: 1.5 }, /maxReceiveCount/],
    [{ stage: 'Prod!' }, /stage/],
  ])('refuses %j with a message naming the setting and its rule', (input, message) => {
    expect(() => resolveSettings(input)).toThrow(InvalidSettingError);
    expect(() => resolveSettings(input)).toThrow(message);
  });

  it('sets the consumer concurrency and each instance’s send interval from the SES sending rate', () => {
    // Act
    const sandbox = resolveSettings({ sesSendRatePerSecond: 1 });
    const production = resolveSettings({ sesSendRatePerSecond: 14 });
    const fixed = resolveSettings({ sesSendRatePerSecond: 50, consumerMaxConcurrency: 10 });
    // Assess: all instances together send at most the account's rate
    expect(sandbox).toMatchObject({ consumerMaxConcurrency: 2, emailSendIntervalMs: 2_000 });
    expect(production).toMatchObject({ consumerMaxConcurrency: 7, emailSendIntervalMs: 500 });
    expect(fixed).toMatchObject({ consumerMaxConcurrency: 10, emailSendIntervalMs: 200 });
  });
});
