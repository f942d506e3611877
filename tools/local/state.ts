import { join } from 'node:path';

/** Where a running `npm start` says what it runs, so other tools (`npm run redrive`, `stripe:replay`) can find it. */
export const localPipelineStatePath = join(__dirname, '..', '..', '.local', 'pipeline.json');

export interface LocalPipelineState {
  readonly emulatorEndpoint: string;
  readonly webhookUrl: string;
  readonly pid: number;
  /** Base URL of the fake Stripe API (`npm run stripe:replay` and `stripe:endpoint` call it); absent in older files. */
  readonly stripeApiUrl?: string;
  /** The local queue and idempotency table, for the tools that replay events into them. */
  readonly queueUrl?: string;
  readonly tableName?: string;
  /** The types its handlers subscribe to, comma-separated (`npm start --subscriptions` may change them); absent in older files. */
  readonly subscribedTypes?: string;
  /** The billing state table (`npm start` runs the feature unless --no-billing-state); absent when off and in older files. */
  readonly billingStateTableName?: string;
}
