import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { functionRole, retainedResources } from '../../tools/deploy-rehearsal';
import { parseRehearsalArgs, RehearsalUsageError, rehearsalUsage } from '../../tools/deploy-rehearsal/args';
import { parseSnsEnvelope, rehearsalAlertQueueName } from '../../tools/deploy-rehearsal/business-alerts-steps';
import { responseUrl } from '../../tools/deploy-rehearsal/custom-resources';
import { allFeaturesContextArgs, featureLines, rehearsalFeatures } from '../../tools/deploy-rehearsal/features';
import { expectedOutputs, outputProblems, stackOutputs } from '../../tools/deploy-rehearsal/outputs';
import {
  annotationValues,
  parseXrayDatagram,
  sampledTraceHeader,
  segmentNames,
} from '../../tools/deploy-rehearsal/xray-listener';

const root = join(__dirname, '..', '..');

describe('npm run deploy:rehearsal arguments', () => {
  it('defaults to the default stack, destroyed at the end', () => {
    expect(parseRehearsalArgs([])).toEqual({ help: false, keep: false, allFeatures: false });
  });

  it('reads --all-features, --keep and --help (-h)', () => {
    expect(parseRehearsalArgs(['--all-features', '--keep'])).toEqual({ help: false, keep: true, allFeatures: true });
    expect(parseRehearsalArgs(['--all-features'])).toEqual({ help: false, keep: false, allFeatures: true });
    expect(parseRehearsalArgs(['--help']).help).toBe(true);
    expect(parseRehearsalArgs(['-h']).help).toBe(true);
  });

  it('refuses unknown options, values and positionals with the usage', () => {
    expect(() => parseRehearsalArgs(['--all'])).toThrow(RehearsalUsageError);
    expect(() => parseRehearsalArgs(['--all-features=yes'])).toThrow(RehearsalUsageError);
    expect(() => parseRehearsalArgs(['deploy'])).toThrow(/Usage: npm run deploy:rehearsal/);
  });

  it('documents every option and the exit codes, and no longer calls --all-features unbuilt', () => {
    for (const option of ['--all-features', '--keep', '--help', 'AWS_ENDPOINT_URL', 'Exit code']) {
      expect(rehearsalUsage).toContain(option);
    }
    expect(rehearsalUsage).not.toMatch(/not built yet/);
    expect(rehearsalUsage).toContain('docs/deploy-rehearsal.md');
  });
});

describe('--all-features: the features', () => {
  const args = allFeaturesContextArgs();
  const context = Object.fromEntries(
    args
      .filter((_, i) => i % 2 === 1)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );

  it('gives cdk every key as -c key=value, each once', () => {
    expect(args.filter((_, i) => i % 2 === 0).every((flag) => flag === '-c')).toBe(true);
    expect(Object.keys(context)).toHaveLength(args.length / 2);
  });

  it('turns on every optional feature the emulator can hold, with what each needs', () => {
    expect(context).toMatchObject({
      billingState: 'true',
      stripeEndpoint: 'managed',
      reconciler: 'true',
      ingress: 'both',
      tracing: 'true',
      stripeIpAllowlist: 'true',
      accountLevelSuppression: 'true',
      livemode: 'live',
      businessAlerts: 'true',
    });
    // billingState, stripeEndpoint=managed, reconciler and businessAlerts need the key; EventBridge needs its source name.
    expect(context.stripeApiKeySecretName).toBeTruthy();
    expect(context.stripeEventSourceName).toMatch(/^aws\.partner\/stripe\.com\/ed_/);
    expect(context.alarmEmail).toMatch(/@/);
    expect(context.alertEmail).toMatch(/@/);
    expect(context.alertWebhookSecretName).toMatch(/^stripe-webhooks\/dev\//);
    expect(() => JSON.parse(context.connectedAccountEmails ?? '')).not.toThrow();
  });

  it('never deploys what must not be deployed, and names it with its reason instead', () => {
    for (const key of ['localEndpointUrl', 'alarmTopicArn', 'dashboard']) expect(context[key]).toBeUndefined();
    const notDeployed = rehearsalFeatures.filter((f) => f.support === 'not deployed');
    expect(notDeployed.map((f) => f.name)).toEqual(expect.arrayContaining(['localEndpointUrl', 'alarmTopicArn']));
    expect(notDeployed.map((f) => f.name).filter((name) => name.includes('businessAlerts'))).toEqual([]);
    for (const feature of notDeployed) expect(feature.context).toEqual({});
  });

  it('says for every feature how it is checked or why not (never silently)', () => {
    const lines = featureLines();
    expect(lines).toHaveLength(rehearsalFeatures.length);
    for (const feature of rehearsalFeatures) expect(feature.note.length).toBeGreaterThan(30);
    expect(lines.filter((line) => line.includes('[partly]')).length).toBeGreaterThan(0);
  });

  it('refuses a key set by two features', () => {
    const twice = [
      { name: 'a', context: { tracing: 'true' }, support: 'rehearsed' as const, note: 'x' },
      { name: 'b', context: { tracing: 'false' }, support: 'rehearsed' as const, note: 'y' },
    ];
    expect(() => allFeaturesContextArgs(twice)).toThrow(/tracing is set by two features/);
  });
});

describe('the rehearsal checks', () => {
  it('expects exactly the documented outputs, more of them with every feature', () => {
    expect(expectedOutputs(false)).toEqual(
      expect.arrayContaining(['WebhookUrl', 'DashboardName', 'SuppressionTableName']),
    );
    expect(expectedOutputs(false)).not.toContain('BillingStateTableName');
    expect(expectedOutputs(true)).toEqual(
      expect.arrayContaining([
        'EventBusName',
        'BillingStateTableName',
        'BillingSyncDeadLetterQueueName',
        'BusinessAlertTopicArn',
        'DisputeReminderScheduleGroupName',
        'DisputeReminderDeadLetterQueueName',
      ]),
    );
    expect(expectedOutputs(false)).not.toContain('BusinessAlertTopicArn');
    const given = Object.fromEntries(expectedOutputs(false).map((name) => [name, 'x']));
    expect(outputProblems(given, false)).toEqual([]);
    expect(outputProblems({ ...given, Surprise: 'x' }, false)).toEqual([
      'Surprise is not a documented output (tools/deploy-rehearsal/outputs.ts)',
    ]);
    const { WebhookUrl: _, ...withoutUrl } = given;
    expect(outputProblems(withoutUrl, false)).toEqual(['WebhookUrl missing or empty']);
  });

  it('keeps docs/deploy.md listing every output', () => {
    const page = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
    expect(stackOutputs.map((o) => o.name).filter((name) => !page.includes(`\`${name}\``))).toEqual([]);
  });

  it('expects the billing state table kept too with every feature', () => {
    expect(retainedResources(false).tables).not.toContain('BillingStateTable');
    expect(retainedResources(true).tables).toContain('BillingStateTable');
    // The alarm topic's and the SES events topic's keys; with every feature, the alert topic's too.
    expect(retainedResources(false).kmsKeys).toBe(2);
    expect(retainedResources(true).kmsKeys).toBe(3);
  });

  it("knows each deployed function's role by its logical id", () => {
    expect(functionRole('ReceiverReceiverFunctionB1E4CE00')).toBe('receiver');
    expect(functionRole('ConsumerConsumerFunctionA821CF9C')).toBe('consumer');
    expect(functionRole('BillingStateBillingSyncFunction14935581')).toBe('billingSync');
    expect(functionRole('StripeEndpointProviderframeworkonEventF94F0522')).toBe('stripeEndpointProvider');
    expect(functionRole('StripeEndpointStripeEndpointFunctionFD24BCDA')).toBe('stripeEndpoint');
    expect(functionRole('BusinessAlertsDisputeReminderFunctionD7422C2F')).toBe('disputeReminder');
    expect(functionRole('Something')).toBe('Something');
  });

  it("answers custom resources on moto's own response URL", () => {
    expect(responseUrl('http://127.0.0.1:5000', 'arn:aws:cloudformation:us-east-1:1:stack/S/x')).toBe(
      'http://127.0.0.1:5000/cloudformation_us-east-1/cfnresponse?stack=arn%3Aaws%3Acloudformation%3Aus-east-1%3A1%3Astack%2FS%2Fx',
    );
  });
});

describe('businessAlerts: the alerts read back from the subscribed queue', () => {
  it("reads SNS's notification envelope with its kind and eventId attributes", () => {
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      Subject: 'Dispute opened: $10.00',
      Message: 'A customer disputed a payment.',
      MessageAttributes: {
        kind: { Type: 'String', Value: 'dispute_created' },
        eventId: { Type: 'String', Value: 'evt_1' },
      },
    });
    expect(parseSnsEnvelope(body)).toEqual({
      subject: 'Dispute opened: $10.00',
      text: 'A customer disputed a payment.',
      kind: 'dispute_created',
      eventId: 'evt_1',
    });
  });

  it('refuses what is not a notification (raw delivery, a subscription confirmation, not JSON)', () => {
    expect(parseSnsEnvelope('A customer disputed a payment.')).toBeUndefined();
    expect(parseSnsEnvelope(JSON.stringify({ Type: 'SubscriptionConfirmation', Message: 'x' }))).toBeUndefined();
    expect(parseSnsEnvelope(JSON.stringify({ Type: 'Notification' }))).toBeUndefined();
    expect(parseSnsEnvelope(JSON.stringify({ Type: 'Notification', Message: 'x' }))).toEqual({
      subject: '',
      text: 'x',
      kind: undefined,
      eventId: undefined,
    });
  });

  it("names the operator's queue apart from the stack's (the kept-resources check leaves it out)", () => {
    expect(rehearsalAlertQueueName).not.toMatch(/^StripeWebhooks-/);
  });
});

describe('the X-Ray daemon stand-in', () => {
  it('reads a datagram as the X-Ray SDK sends it, and nothing else', () => {
    const document = { id: 'a1', type: 'subsegment', annotations: { eventId: 'evt_1' } };
    expect(parseXrayDatagram(`{"format":"json","version":1}\n${JSON.stringify(document)}`)).toEqual(document);
    expect(parseXrayDatagram(JSON.stringify(document))).toBeUndefined();
    expect(parseXrayDatagram('{"format":"text"}\n{}')).toBeUndefined();
    expect(parseXrayDatagram('{"format":"json"}\nnot json')).toBeUndefined();
  });

  it('finds an annotation in nested subsegments', () => {
    const documents = [
      { id: '1', annotations: { Service: 'receiver' } },
      { id: '2', subsegments: [{ id: '3', subsegments: [{ id: '4', annotations: { eventId: 'evt_2' } }] }] },
    ];
    expect(annotationValues(documents, 'eventId')).toEqual(['evt_2']);
    expect(annotationValues(documents, 'Service')).toEqual(['receiver']);
    expect(annotationValues(documents, 'missing')).toEqual([]);
  });

  it('names every segment and nested subsegment (an SDK call is named after its service)', () => {
    const documents = [
      { id: '1', name: 'stripe-dispute-reminder' },
      {
        id: '2',
        subsegments: [
          { id: '3', name: 'SecretsManager' },
          { id: '4', name: 'SNS', subsegments: [] },
        ],
      },
    ];
    expect(segmentNames(documents)).toEqual(['stripe-dispute-reminder', 'SecretsManager', 'SNS']);
    expect(segmentNames([])).toEqual([]);
  });

  it('gives a sampled trace header in the form Lambda gives it', () => {
    expect(sampledTraceHeader(new Date(0x6000_0000 * 1000), () => 'abcdef0123456789abcdef0123')).toBe(
      'Root=1-60000000-abcdef0123456789abcdef01;Parent=abcdef0123456789;Sampled=1',
    );
    expect(sampledTraceHeader()).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
  });
});
