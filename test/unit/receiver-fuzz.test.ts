import { receiveWebhook } from '../../functions/receiver/receive-webhook';
import { fuzzReceiver, mutationKinds, type Receive } from '../fuzz/receiver-properties';

// A few thousand cases here (about a second); `npm run fuzz` runs 100,000 and more.
const numRuns = 3_000;

describe('fuzzing the receiver with mutated signed requests', () => {
  it('accepts every untouched request and refuses every mutation of it', async () => {
    // Act
    const report = await fuzzReceiver({ numRuns });
    // Assess
    expect(report.failure).toBeUndefined();
    expect({ mutatedAccepted: report.mutatedAccepted, untouchedAccepted: report.untouchedAccepted }).toEqual({
      mutatedAccepted: 0,
      untouchedAccepted: numRuns,
    });
    // Every kind of mutation was tried, so a generator that stopped producing one is noticed.
    expect(Object.keys(report.byKind).sort()).toEqual([...mutationKinds].sort());
    // Mutations that did not apply to their request stay rare.
    expect(report.skipped).toBeLessThan(numRuns / 10);
  });

  it.each<[string, Receive]>([
    [
      'accepts lower-case methods',
      (request, deps) => receiveWebhook({ ...request, method: request.method.toUpperCase() }, deps),
    ],
    [
      'ignores the timestamp tolerance',
      (request, deps) => receiveWebhook(request, { ...deps, toleranceSeconds: 1e12 }),
    ],
    ['decodes base64 leniently', (request, deps) => receiveWebhook({ ...request, bodyProblem: undefined }, deps)],
    ['answers 200 to everything', async () => ({ statusCode: 200, body: { received: true, id: 'evt_x' } })],
  ])('catches a receiver that %s', async (_flaw, receive) => {
    // Act
    const report = await fuzzReceiver({ numRuns, seed: 42, receive });
    // Assess
    expect(report.failure).toEqual(expect.any(String));
  });
});
