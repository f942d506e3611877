/**
 * The variables that point a function at the local pipeline under `sam local invoke` (the `localEndpointUrl`
 * prop, for a template that is never deployed): `AWS_ENDPOINT_URL` for every function that calls AWS, and
 * `STRIPE_API_URL` too for every function that calls Stripe's API. SAM overrides only the variables a
 * template declares, so a function without them would call AWS, or api.stripe.com, from a local run.
 */
import { envVarNames } from '../config/contract';

/** Port of the fake Stripe API `npm start` serves (stripe-mock's; `defaultFakeStripePort` of tools/local/defaults.ts). */
export const localFakeStripeApiPort = 12111;

/** What {@link localEndpointEnvironments} gives: both empty without `localEndpointUrl`. */
export interface LocalEndpointEnvironments {
  /** For a function that calls AWS: `AWS_ENDPOINT_URL`. */
  readonly aws: Readonly<Record<string, string>>;
  /** For a function that calls AWS and Stripe's API: `AWS_ENDPOINT_URL` and `STRIPE_API_URL`. */
  readonly awsAndStripe: Readonly<Record<string, string>>;
}

/**
 * The fake Stripe API as a function's container reaches it: `npm start`'s (plain HTTP) on the host that
 * `localEndpointUrl` names, at its default port. events/env.json sets the same value; `FAKE_STRIPE_HOST=0.0.0.0`
 * lets a container reach it.
 */
export function localStripeApiUrlOf(localEndpointUrl: string): string {
  return `http://${new URL(localEndpointUrl).hostname}:${localFakeStripeApiPort}`;
}

/** The local endpoints' variables for `localEndpointUrl`; none when it is not set (a deployable template). */
export function localEndpointEnvironments(localEndpointUrl: string | undefined): LocalEndpointEnvironments {
  if (localEndpointUrl === undefined) return { aws: {}, awsAndStripe: {} };
  const aws = { AWS_ENDPOINT_URL: localEndpointUrl };
  return { aws, awsAndStripe: { ...aws, [envVarNames.stripeApiUrl]: localStripeApiUrlOf(localEndpointUrl) } };
}
