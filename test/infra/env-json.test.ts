import { readFileSync } from 'node:fs';
import { envVarNames } from '../../config/contract';
import { contextKeys } from '../../lib/app-context';
import {
  allFeaturesContext,
  type CloudFormationTemplate,
  containerEmulatorEndpoint,
  containerStripeApiUrl,
  envJsonPath,
  formatSamEnvironment,
  type LocalCounterpart,
  NoLocalCounterpartError,
  type SamEnvironment,
  samEnvironmentOf,
  synthesizeForSam,
} from '../../tools/events-env';
import { defaultFakeStripePort, localResourceNames, localSenderAddress } from '../../tools/local/defaults';
import { localBusinessAlertNames, localDeliverabilityNames } from '../../tools/local/resources';

// CDK synthesis (cdk-nag included) takes about 10 s on these machines.
jest.setTimeout(60_000);

/** `events/env.json` as committed: the variables `sam local invoke --env-vars` sets, by function logical id. */
const committedText = readFileSync(envJsonPath, 'utf8');
const committed = JSON.parse(committedText) as SamEnvironment;

let template: CloudFormationTemplate;
let generated: SamEnvironment;

beforeAll(() => {
  // Prepare + Act: what `npm run events:env` does (one synthesis, every optional feature on).
  const synthesized = synthesizeForSam(allFeaturesContext(containerEmulatorEndpoint));
  template = synthesized.template;
  generated = samEnvironmentOf(template, synthesized.counterparts, containerEmulatorEndpoint);
});

const functionsOf = (t: CloudFormationTemplate) =>
  Object.entries(t.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');

describe('events/env.json', () => {
  it('is what npm run events:env makes from the template (run it when this fails)', () => {
    // Assess: byte for byte, so that a stale file fails here rather than in sam local invoke.
    expect(committedText).toBe(formatSamEnvironment(generated));
  });

  it('sets every variable a function takes from a resource, for every function of the project', () => {
    // Prepare: what SAM would replace with a logical id or a blank when env.json does not give it.
    const fromResources = functionsOf(template)
      .filter(([, resource]) => !String(resource.Metadata?.['aws:cdk:path']).includes('/Provider/framework-'))
      .map(([logicalId, resource]) => ({
        logicalId,
        names: Object.entries(resource.Properties?.Environment?.Variables ?? {})
          .filter(([, value]) => typeof value !== 'string')
          .map(([name]) => name)
          .sort(),
      }));
    // Assess
    expect(fromResources.length).toBeGreaterThanOrEqual(6);
    for (const { logicalId, names } of fromResources) {
      expect({
        logicalId,
        names: Object.keys(committed[logicalId] ?? {}).filter((name) => names.includes(name)),
      }).toEqual({ logicalId, names });
    }
  });

  it('only sets variables the template declares (sam local ignores the others)', () => {
    // Assess
    for (const [logicalId, variables] of Object.entries(committed)) {
      const declared = Object.keys(template.Resources[logicalId]?.Properties?.Environment?.Variables ?? {});
      expect({ logicalId, undeclared: Object.keys(variables).filter((name) => !declared.includes(name)) }).toEqual({
        logicalId,
        undeclared: [],
      });
    }
  });

  it("points the consumer at npm start's suppression table and configuration set, which SAM would name by logical id", () => {
    // Assess: the two whose absence made the consumer fail with ResourceNotFoundException (issue 22).
    expect(committed.ConsumerConsumerFunctionA821CF9C).toMatchObject({
      AWS_ENDPOINT_URL: containerEmulatorEndpoint,
      [envVarNames.suppressionTableName]: localDeliverabilityNames.suppressionTable,
      [envVarNames.sesConfigurationSetName]: localDeliverabilityNames.configurationSet,
      [envVarNames.idempotencyTableName]: localResourceNames.idempotencyTable,
      [envVarNames.senderAddress]: localSenderAddress,
    });
  });

  it('covers the billing sync function with the feature on', () => {
    // Assess
    expect(committed.BillingStateBillingSyncFunction14935581).toEqual({
      AWS_ENDPOINT_URL: containerEmulatorEndpoint,
      [envVarNames.billingStateTableName]: localResourceNames.billingStateTable,
      [envVarNames.stage]: 'local',
      [envVarNames.stripeApiKeySecretId]: localResourceNames.stripeApiKey,
      [envVarNames.stripeApiUrl]: containerStripeApiUrl,
    });
  });

  it("covers the business alerts with npm start's topic and schedule group, and fixed local ARNs for the reminder's target", () => {
    // Assess
    const alerts = {
      [envVarNames.alertTopicArn]: `arn:aws:sns:us-east-1:123456789012:${localBusinessAlertNames.topic}`,
    };
    expect(committed.ConsumerConsumerFunctionA821CF9C).toMatchObject({
      ...alerts,
      [envVarNames.disputeReminderFunctionArn]: `arn:aws:lambda:us-east-1:123456789012:function:${localBusinessAlertNames.reminderFunction}`,
      [envVarNames.disputeReminderRoleArn]: `arn:aws:iam::123456789012:role/${localBusinessAlertNames.schedulerRole}`,
      [envVarNames.disputeReminderScheduleGroup]: localBusinessAlertNames.scheduleGroup,
    });
    expect(committed.BusinessAlertsDisputeReminderFunctionD7422C2F).toEqual({
      ...alerts,
      AWS_ENDPOINT_URL: containerEmulatorEndpoint,
      [envVarNames.stage]: 'local',
      [envVarNames.stripeApiKeySecretId]: localResourceNames.stripeApiKey,
      [envVarNames.stripeApiUrl]: containerStripeApiUrl,
    });
  });

  it('lets sam find each function by its construct id, which is unique in the stack', () => {
    // Prepare: sam takes the path segment before /Resource of aws:cdk:path as the function id.
    const samIds = functionsOf(template).map(([, f]) => String(f.Metadata?.['aws:cdk:path']).split('/').at(-2));
    // Assess
    expect(new Set(samIds).size).toBe(samIds.length);
  });
});

describe('localEndpointUrl (sam local invoke only)', () => {
  const projectFunctions = (t: CloudFormationTemplate) =>
    functionsOf(t).filter(
      ([, resource]) => !String(resource.Metadata?.['aws:cdk:path']).includes('/Provider/framework-'),
    );
  const variablesOf = (resource: CloudFormationTemplate['Resources'][string]) =>
    resource.Properties?.Environment?.Variables ?? {};

  it("points every function at the emulator, and every one calling Stripe at npm start's fake Stripe API", () => {
    // Prepare: a function calls Stripe when it is given the API key's secret
    const functions = projectFunctions(template);
    const callingStripe = functions.filter(([, resource]) => envVarNames.stripeApiKeySecretId in variablesOf(resource));
    // Assess
    expect(functions.length).toBeGreaterThanOrEqual(7);
    expect(callingStripe.map(([logicalId]) => logicalId).sort()).toEqual([
      'BillingStateBillingSyncFunction14935581',
      'BusinessAlertsDisputeReminderFunctionD7422C2F',
      'ConsumerConsumerFunctionA821CF9C',
      'ReconcilerStripeReconcilerFunction0A3A6172',
      'StripeEndpointStripeEndpointFunctionFD24BCDA',
    ]);
    for (const [logicalId, resource] of functions) {
      expect({ logicalId, endpoint: variablesOf(resource).AWS_ENDPOINT_URL }).toEqual({
        logicalId,
        endpoint: containerEmulatorEndpoint,
      });
    }
    for (const [logicalId, resource] of callingStripe) {
      // The template's own value is already the fake on the emulator's host, at the port npm start serves it on.
      expect({ logicalId, stripe: variablesOf(resource)[envVarNames.stripeApiUrl] }).toEqual({
        logicalId,
        stripe: `http://host.docker.internal:${defaultFakeStripePort}`,
      });
    }
    for (const [logicalId, resource] of functions.filter((entry) => !callingStripe.includes(entry))) {
      expect({ logicalId, stripe: variablesOf(resource)[envVarNames.stripeApiUrl] }).toEqual({
        logicalId,
        stripe: undefined,
      });
    }
  });

  it('declares neither variable without it: a deployable template calls AWS and api.stripe.com', () => {
    // Prepare: the same features, without localEndpointUrl
    const { [contextKeys.localEndpointUrl]: _left, ...deployable } = allFeaturesContext(containerEmulatorEndpoint);
    // Act
    const { template: deployed } = synthesizeForSam(deployable);
    // Assess
    const functions = functionsOf(deployed);
    expect(functions.length).toBeGreaterThanOrEqual(7);
    for (const [logicalId, resource] of functions) {
      const names = Object.keys(variablesOf(resource));
      expect({
        logicalId,
        local: names.filter((name) => ['AWS_ENDPOINT_URL', envVarNames.stripeApiUrl].includes(name)),
      }).toEqual({
        logicalId,
        local: [],
      });
    }
  });
});

describe('the generator', () => {
  const queue: LocalCounterpart = { kind: 'queue', name: 'q' };
  const table: LocalCounterpart = { kind: 'table', name: 't' };
  const templateWith = (variables: Record<string, unknown>): CloudFormationTemplate => ({
    Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: variables } } } },
  });
  const counterparts = new Map<string, LocalCounterpart>([
    ['Queue', queue],
    ['Table', table],
  ]);

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub to the local names, URLs and ARNs', () => {
    // Act
    const environment = samEnvironmentOf(
      templateWith({
        URL: { Ref: 'Queue' },
        ARN: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        JOINED: { 'Fn::Join': ['', ['table=', { Ref: 'Table' }, '@', { Ref: 'AWS::Region' }]] },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a JS template
        SUBBED: { 'Fn::Sub': '${Table.Arn}/index/${AWS::AccountId}' },
        LEFT: 'as is',
      }),
      counterparts,
      'http://e:1',
    );
    // Assess
    expect(environment).toEqual({
      Fn: {
        ARN: 'arn:aws:sqs:us-east-1:123456789012:q',
        JOINED: 'table=t@us-east-1',
        SUBBED: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/index/123456789012',
        URL: 'http://e:1/123456789012/q',
      },
    });
  });

  it('refuses a reference without a local counterpart, naming the function, the variable and what to add', () => {
    // Act + Assess
    expect(() =>
      samEnvironmentOf(templateWith({ TOPIC_ARN: { Ref: 'AlertTopic' } }), counterparts, 'http://e:1'),
    ).toThrow(new NoLocalCounterpartError('Fn', 'TOPIC_ARN', 'refers to AlertTopic, which has no local counterpart'));
  });
});
