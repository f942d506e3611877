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

  it('gives each connected account its own sender and name, and lets the consumer send from those senders only', () => {
    // Act
    const { variables, template } = consumerOf({
      senderAddress: 'receipts@platform.example.com',
      sesIdentity: 'platform.example.com',
      connectedAccountEmails: JSON.stringify({
        acct_1Shop: { senderAddress: 'billing@shop.example.org', emailBusinessName: 'Shop Test Ltd' },
        acct_1Covered: { senderAddress: 'cafe@platform.example.com' },
        acct_1NameOnly: { emailBusinessName: 'Name Only Test' },
      }),
    });
    // Assess
    expect(JSON.parse(String(variables.CONNECTED_ACCOUNT_EMAILS))).toEqual({
      acct_1Shop: { senderAddress: 'billing@shop.example.org', emailBusinessName: 'Shop Test Ltd' },
      acct_1Covered: { senderAddress: 'cafe@platform.example.com' },
      acct_1NameOnly: { emailBusinessName: 'Name Only Test' },
    });
    const sendStatements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((statement) => JSON.stringify(statement.Action).includes('ses:SendEmail'));
    // The identity statement and the configuration-set statement both name exactly the three senders.
    expect(sendStatements).toHaveLength(2);
    for (const statement of sendStatements) {
      const condition = statement.Condition as { StringEquals: { 'ses:FromAddress': string[] } };
      expect([...condition.StringEquals['ses:FromAddress']].sort()).toEqual([
        'billing@shop.example.org',
        'cafe@platform.example.com',
        'receipts@platform.example.com',
      ]);
    }
    // The platform's identity covers cafe@; the shop's sender adds its own address and domain, nothing wider.
    const identities = JSON.stringify(sendStatements.map((statement) => statement.Resource));
    expect(identities).toContain('identity/platform.example.com');
    expect(identities).toContain('identity/billing@shop.example.org');
    expect(identities).toContain('identity/shop.example.org');
    expect(identities).not.toContain('identity/cafe@platform.example.com');
    expect(identities).not.toContain('identity/*');
  });

  it('keeps the single-sender policy as it was when no account has its own sender', () => {
    // Act
    const { variables, policies } = consumerOf({ senderAddress: 'receipts@platform.example.com' });
    // Assess
    expect(variables.CONNECTED_ACCOUNT_EMAILS).toBeUndefined();
    expect(policies).toContain('"ses:FromAddress":"receipts@platform.example.com"');
  });

  it('refuses connected account emails that are not an object of accounts, or name an unknown field', () => {
    expect(() => buildStack({ connectedAccountEmails: '{not json' })).toThrow(/connectedAccountEmails.*JSON object/);
    expect(() => buildStack({ connectedAccountEmails: JSON.stringify({ shop: {} }) })).toThrow(/acct_1A2b3C4d/);
    expect(() => buildStack({ connectedAccountEmails: JSON.stringify({ acct_1Shop: 'x' }) })).toThrow(
      /connectedAccountEmails.acct_1Shop.*an object/,
    );
    expect(() =>
      buildStack({ connectedAccountEmails: JSON.stringify({ acct_1Shop: { senderName: 'Shop' } }) }),
    ).toThrow(/connectedAccountEmails.acct_1Shop.senderName.*one of senderAddress, emailBusinessName/);
    expect(() => buildStack({ connectedAccountEmails: { acct_1Shop: { senderAddress: 'not an address' } } })).toThrow(
      /connectedAccountEmails.acct_1Shop.senderAddress/,
    );
  });
});
