import { Template } from 'aws-cdk-lib/assertions';
import { InvalidContextError } from '../../lib/app-context';
import { buildStack, logicalIdOf, resourceOf } from './infra-helpers';

jest.setTimeout(60_000);

function consumerOf(context: Record<string, unknown>) {
  const stack = buildStack(context);
  const template = Template.fromStack(stack);
  const fn = resourceOf(template, logicalIdOf(stack.pipeline.consumerFunction));
  const environment = fn.Properties?.Environment as { Variables: Record<string, unknown> } | undefined;
  const variables = environment?.Variables ?? {};
  const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
  return { variables, policies, template };
}

describe('customer emails: layout, language and the Stripe API key', () => {
  it('gives the consumer the business name, support address, logo and fallback language from the context', () => {
    // Act
    const { variables } = consumerOf({
      emailBusinessName: 'Acme Test Shop',
      emailSupportAddress: 'help@example.com',
      emailLogoUrl: 'https://example.com/logo.png',
      emailDefaultLocale: 'fr',
    });
    // Assess
    expect(variables).toMatchObject({
      EMAIL_BUSINESS_NAME: 'Acme Test Shop',
      EMAIL_SUPPORT_ADDRESS: 'help@example.com',
      EMAIL_LOGO_URL: 'https://example.com/logo.png',
      EMAIL_DEFAULT_LOCALE: 'fr',
    });
  });

  it('reads the Stripe API key from the named secret only, and only when one is named', () => {
    // Act
    const without = consumerOf({});
    const withKey = consumerOf({ stripeApiKeySecretName: 'stripe-webhooks/dev/stripe-api-key' });
    // Assess
    expect(without.variables.STRIPE_API_KEY_SECRET_ID).toBeUndefined();
    expect(without.policies).not.toContain('stripe-api-key');
    expect(withKey.variables).toMatchObject({
      STRIPE_API_KEY_SECRET_ID: 'stripe-webhooks/dev/stripe-api-key',
      STRIPE_API_RATE_PER_SECOND: '25',
    });
    // fromSecretNameV2 grants the name followed by Secrets Manager's random suffix, never every secret.
    expect(withKey.policies).toMatch(/secret:stripe-webhooks\/dev\/stripe-api-key-\?\?\?\?\?\?/);
    expect(withKey.policies).toContain('secretsmanager:GetSecretValue');
    // The key itself is never in the template.
    expect(JSON.stringify(withKey.template.toJSON())).not.toMatch(/[rs]k_(test|live)_/);
  });

  it('refuses a fallback language without emails and a Stripe rate above its limit, saying what to set', () => {
    expect(() => buildStack({ emailDefaultLocale: 'zh' })).toThrow(/emailDefaultLocale/);
    expect(() => buildStack({ stripeApiRatePerSecond: 500 })).toThrow(InvalidContextError);
    expect(() => buildStack({ stripeApiRatePerSecond: 500 })).toThrow(/from 1 to 100/);
  });
});
