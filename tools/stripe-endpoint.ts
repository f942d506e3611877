/**
 * `npm run stripe:endpoint -- list|check|sync [--url URL]`: the stack's Stripe webhook endpoint as code,
 * outside CloudFormation (see functions/stripe-endpoint/). Against `npm start`'s fake Stripe API by
 * default, or a deployed stack with --outputs.
 */
import { parseArgs } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { declaredStripeApiVersion } from '../config/stripe-api-version';
import { subscribedTypesOf } from '../functions/consumer/define-subscriptions';
import { createStripeAdminApi } from '../functions/shared/stripe-api/admin';
import {
  type DesiredEndpoint,
  enabledEventsFor,
  endpointDifferences,
  findEndpoint,
  formatDifferences,
  managedByMetadataKey,
} from '../functions/stripe-endpoint/endpoint-drift';
import { secretsManagerSigningSecretStore } from '../functions/stripe-endpoint/signing-secret-store';
import { syncEndpoint } from '../functions/stripe-endpoint/sync-endpoint';
import projectSubscriptions from '../functions/subscriptions';
import { localResourceNames } from './local/defaults';
import { localClientConfig, quietSdkNodeVersionWarning } from './local/resources';
import {
  deployedApiKey,
  localTarget,
  requiredOutput,
  runStripeTool,
  StripeToolUsageError,
  stackOutputsWithName,
} from './stripe-targets';

export const endpointUsage = `Usage: npm run stripe:endpoint -- list|check|sync [--url URL]
                                 [--outputs cdk-outputs.json [--stack NAME] [--api-key-secret NAME]]

The stack's Stripe webhook endpoint as code: its URL, its enabled_events (the subscriptions registry)
and its API version (config/stripe-api-version.ts).

  list              every webhook endpoint of the key's account and mode
  check             compare the stack's endpoint with the registry; prints each difference and exits 1
                    if there is any (for CI), 0 if none
  sync              create or update the endpoint to match; a new endpoint's signing secret goes straight
                    into the stack's signing secret in Secrets Manager and is never printed. An API version
                    change needs a new endpoint (Stripe cannot change it): the old secret is kept beside the
                    new one and the old endpoint deleted.
  --url URL         the endpoint's URL (default: the stack's WebhookUrl output, or npm start's endpoint)
  --outputs FILE    a deployed stack: the file \`cdk deploy --outputs-file FILE\` wrote; AWS credentials from
                    the usual chain. Without it: the running \`npm start\` and its fake Stripe API.
  --stack NAME      the stack in FILE, when it has several
  --api-key-secret NAME  the Secrets Manager secret with a Stripe key that may read and write webhook
                    endpoints (default: the STRIPE_API_KEY environment variable)
  --help            show this help`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      outputs: { type: 'string' },
      stack: { type: 'string' },
      'api-key-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(endpointUsage);
    return 0;
  }
  const [command] = positionals;
  if (command !== 'list' && command !== 'check' && command !== 'sync') {
    throw new StripeToolUsageError(`Give one of list, check or sync.\n\n${endpointUsage}`);
  }
  quietSdkNodeVersionWarning();
  let desired: DesiredEndpoint;
  let apiKey: string;
  let apiUrl: string | undefined;
  let secrets: SecretsManagerClient;
  let signingSecretId: string;
  // The fake Stripe API never delivers webhooks (npm run trigger signs with npm start's own secret), so a
  // local sync leaves the local signing secret alone, and `npm run trigger` keeps working.
  let storeSecrets = true;
  if (values.outputs === undefined) {
    const local = localTarget();
    desired = {
      url: values.url ?? local.webhookUrl,
      enabledEvents: enabledEventsFor(subscribedTypesOf(projectSubscriptions)),
      apiVersion: declaredStripeApiVersion,
      owner: 'local',
    };
    apiKey = local.apiKey;
    apiUrl = local.stripeApiUrl;
    secrets = new SecretsManagerClient(localClientConfig(local.emulatorEndpoint));
    signingSecretId = localResourceNames.signingSecret;
    storeSecrets = false;
  } else {
    const { name, outputs } = stackOutputsWithName(values.outputs, values.stack);
    const url = values.url ?? requiredOutput(outputs, 'WebhookUrl', values.outputs);
    desired = {
      url,
      enabledEvents: enabledEventsFor(requiredOutput(outputs, 'EnabledEvents', values.outputs).split(',')),
      apiVersion: declaredStripeApiVersion,
      owner: name,
    };
    apiKey = await deployedApiKey(values['api-key-secret']);
    secrets = new SecretsManagerClient({});
    signingSecretId = command === 'sync' ? requiredOutput(outputs, 'SigningSecretName', values.outputs) : '';
  }
  const stripe = createStripeAdminApi({ apiKey: async () => apiKey, apiUrl });
  try {
    if (command === 'list') {
      const endpoints = await stripe.listWebhookEndpoints();
      if (endpoints.length === 0) console.log('No webhook endpoints.');
      for (const endpoint of endpoints) {
        const managed = endpoint.metadata?.[managedByMetadataKey];
        console.log(
          `${endpoint.id}  ${endpoint.status.padEnd(8)}  ${endpoint.url}  api_version ${endpoint.api_version ?? '(default)'}  ` +
            `${endpoint.enabled_events.length} event type(s)${managed === undefined ? '' : `  managed (${managed})`}`,
        );
      }
      return 0;
    }
    if (command === 'check') {
      const actual = findEndpoint(await stripe.listWebhookEndpoints(), desired);
      const differences = endpointDifferences(desired, actual);
      if (differences.length === 0) {
        console.log(
          `${actual?.id} at ${desired.url} matches: ${desired.enabledEvents.length} event type(s), API version ${desired.apiVersion}.`,
        );
        return 0;
      }
      console.log(
        `The webhook endpoint${actual === undefined ? '' : ` ${actual.id}`} drifts from the registry:\n${formatDifferences(differences)}\nRun \`npm run stripe:endpoint -- sync\` to fix it.`,
      );
      return 1;
    }
    const result = await syncEndpoint(desired, {
      stripe,
      storeSigningSecret: storeSecrets
        ? secretsManagerSigningSecretStore(secrets, signingSecretId)
        : async () => undefined,
    });
    const stored = storeSecrets
      ? `its signing secret is stored in ${signingSecretId}`
      : `its signing secret is not stored: the fake Stripe API delivers no webhooks, and ${signingSecretId} keeps npm start's secret`;
    const done = {
      none: 'already matches; nothing changed',
      create: `created; ${stored}`,
      update: 'updated',
      replace: `replaced (new API version); ${storeSecrets ? `the new signing secret is stored in ${signingSecretId} beside the old one` : stored}`,
    }[result.plan];
    console.log(`Webhook endpoint ${result.endpointId} for ${desired.url}: ${done}.`);
    return 0;
  } finally {
    secrets.destroy();
  }
}

if (require.main === module) runStripeTool(main);
