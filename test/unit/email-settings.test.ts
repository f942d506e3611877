import { envVarNames } from '../../config/contract';
import {
  emailSettingsEnvironment,
  emailSettingsFromEnvironment,
  resolveEmailSettings,
} from '../../config/email-settings';
import { InvalidSettingError } from '../../config/settings';

describe('email settings', () => {
  it('defaults to English with no business name, support address or logo', () => {
    expect(resolveEmailSettings()).toEqual({ businessName: '', defaultLocale: 'en' });
  });

  it('travels to the consumer as environment variables and back unchanged', () => {
    // Prepare
    const settings = resolveEmailSettings({
      emailBusinessName: ' Acme Test Shop ',
      emailSupportAddress: 'help@example.com',
      emailLogoUrl: 'https://example.com/logo.png',
      emailDefaultLocale: 'FR-ca',
    });
    // Act
    const env = emailSettingsEnvironment(settings);
    // Assess
    expect(env[envVarNames.emailDefaultLocale]).toBe('fr-CA');
    expect(emailSettingsFromEnvironment(env)).toEqual({
      businessName: 'Acme Test Shop',
      supportAddress: 'help@example.com',
      logoUrl: 'https://example.com/logo.png',
      defaultLocale: 'fr-CA',
    });
  });

  it.each([
    [{ emailDefaultLocale: 'zh-HK' }, /emailDefaultLocale.*one of the email languages \(en, fr, de, es, ja\)/],
    [{ emailDefaultLocale: 'not a locale' }, /emailDefaultLocale/],
    [{ emailLogoUrl: 'http://example.com/logo.png' }, /emailLogoUrl.*https/],
    [{ emailSupportAddress: 'help' }, /emailSupportAddress.*e-mail address/],
    [{ emailBusinessName: 'Two\nlines' }, /emailBusinessName.*one line/],
  ])('refuses %p with a message that says what to set', (input, message) => {
    expect(() => resolveEmailSettings(input)).toThrow(InvalidSettingError);
    expect(() => resolveEmailSettings(input)).toThrow(message);
  });
});
