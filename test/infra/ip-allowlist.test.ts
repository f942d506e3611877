import { Template } from 'aws-cdk-lib/assertions';
import { envVarNames } from '../../config/contract';
import { InvalidSettingError } from '../../config/settings';
import { buildStack, logicalIdOf, receiverOf, resourceOf } from './infra-helpers';

// CDK synthesis can take longer than Jest's default 5 s on a slow machine.
jest.setTimeout(60_000);

/** The environment variables of the receiver and of the consumer, from the synthesized template. */
function environments(context: Record<string, unknown>) {
  const stack = buildStack(context);
  const template = Template.fromStack(stack);
  const variablesOf = (logicalId: string): Record<string, unknown> =>
    (resourceOf(template, logicalId).Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {};
  return {
    receiver: variablesOf(logicalIdOf(receiverOf(stack.pipeline).fn)),
    consumer: variablesOf(logicalIdOf(stack.pipeline.consumer.fn)),
  };
}

describe('the Stripe IP allowlist setting', () => {
  it.each([
    ['not given', {}],
    ['false', { stripeIpAllowlist: 'false' }],
    ['false in cdk.json', { stripeIpAllowlist: false }],
  ])('leaves the allowlist off when the context says %s', (_label, context) => {
    // Act
    const { receiver } = environments(context);
    // Assess
    expect(receiver).toHaveProperty(envVarNames.queueUrl);
    expect(receiver).not.toHaveProperty(envVarNames.stripeIpAllowlist);
  });

  it.each([
    ['-c stripeIpAllowlist=true', { stripeIpAllowlist: 'true' }],
    ['true in cdk.json', { stripeIpAllowlist: true }],
  ])('turns it on for the receiver only with %s', (_label, context) => {
    // Act
    const { receiver, consumer } = environments(context);
    // Assess
    expect(receiver[envVarNames.stripeIpAllowlist]).toBe('true');
    expect(consumer).not.toHaveProperty(envVarNames.stripeIpAllowlist);
  });

  it('refuses a value that is neither true nor false', () => {
    expect(() => environments({ stripeIpAllowlist: 'yes' })).toThrow(InvalidSettingError);
  });
});
