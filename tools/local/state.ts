import { join } from 'node:path';

/** Where a running `npm start` says what it runs, so other tools (`npm run redrive`) can find it. */
export const localPipelineStatePath = join(__dirname, '..', '..', '.local', 'pipeline.json');

export interface LocalPipelineState {
  readonly emulatorEndpoint: string;
  readonly webhookUrl: string;
  readonly pid: number;
}
