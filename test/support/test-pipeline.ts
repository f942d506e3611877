import { resolveSettings } from '../../config/settings';
import { type LocalPipeline, type LocalPipelineOptions, startLocalPipeline } from '../../tools/local/pipeline';
import { requireMotoEndpoint } from './wait-for';

/**
 * The local pipeline as an integration test file runs it: on the run's shared moto, a free port, the
 * local stage's settings, and resources of its own (`resourceNameSuffix`), so that files running side by
 * side never take each other's messages. Registers `beforeAll` to start it and `afterAll` to stop it;
 * `printed` collects what `npm start` would print.
 */
export function useTestPipeline(
  options: Pick<LocalPipelineOptions, 'signingSecret' | 'resourceNameSuffix'> & Partial<LocalPipelineOptions>,
): { readonly pipeline: () => LocalPipeline; readonly printed: string[]; readonly endpoint: string } {
  const endpoint = requireMotoEndpoint();
  const printed: string[] = [];
  let started: LocalPipeline | undefined;
  beforeAll(async () => {
    started = await startLocalPipeline({
      port: 0,
      emulatorEndpoint: endpoint,
      settings: resolveSettings({ stage: 'local' }),
      print: (line) => printed.push(line),
      ...options,
    });
  });
  afterAll(async () => {
    await started?.stop();
  });
  return {
    endpoint,
    printed,
    pipeline: () => {
      if (started === undefined)
        throw new Error('The test pipeline is not started yet: use it inside a test or a hook.');
      return started;
    },
  };
}
