/** Arguments of `npm run deploy:rehearsal` (tools/deploy-rehearsal.ts). */
import { parseArgs } from 'node:util';

export interface RehearsalOptions {
  readonly help: boolean;
  /** Leave the emulator running (and the stack deployed) at the end, and print its endpoint. */
  readonly keep: boolean;
  /** Deploy with every optional feature the emulator can hold (tools/deploy-rehearsal/features.ts). */
  readonly allFeatures: boolean;
}

export class RehearsalUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RehearsalUsageError';
  }
}

export const rehearsalUsage = `Usage: npm run deploy:rehearsal [-- --all-features] [--keep] [--help]

Rehearses \`cdk deploy\` end to end on moto (no AWS account needed): starts moto_server on a free
loopback port (or uses AWS_ENDPOINT_URL), runs the project's own CDK CLI \`cdk bootstrap\` and
\`cdk deploy --require-approval never --outputs-file\`, checks every resource reached CREATE_COMPLETE
(types the emulator does not model are listed), runs the DEPLOYED receiver and consumer code (the zips
from the emulator's Lambda API, each in its own Node process with the deployed environment) with a
signed invoice.paid and its duplicate, checks one receipt in the emulator's SES, checks the stack's
outputs against docs/deploy.md, runs \`cdk destroy --force\` and checks that only the retained
resources remain. Prints each step with its time, then a summary table. See docs/deploy-rehearsal.md.

Options:
  --all-features  deploy with every optional feature the emulator can hold (managed Stripe endpoint,
                  reconciler, billing state, EventBridge ingress beside the webhook, IP allowlist,
                  tracing, alarm e-mail, account-level suppression, business alerts, ...) and also
                  run the custom resources, the billing sync, the reconciler, the SES events function
                  and a dispute's alerts and reminder (to a queue on the alert topic and a local
                  webhook), against the fake Stripe API; the summary lists per feature what is
                  rehearsed and what the emulator cannot hold, and why
  --keep          leave the emulator running and the stack deployed; print the endpoint
  --help          show this help

Exit code: 0 when every step passed, 1 when one failed (the summary says which), 2 on a usage error.`;

export function parseRehearsalArgs(argv: readonly string[]): RehearsalOptions {
  let values: { help?: boolean; keep?: boolean; 'all-features'?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        help: { type: 'boolean', short: 'h' },
        keep: { type: 'boolean' },
        'all-features': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new RehearsalUsageError(`${(error as Error).message}\n\n${rehearsalUsage}`);
  }
  return { help: values.help === true, keep: values.keep === true, allFeatures: values['all-features'] === true };
}
