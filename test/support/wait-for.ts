/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function requireMotoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint)
    throw new Error('MOTO_ENDPOINT is not set: run integration tests through jest (globalSetup starts moto).');
  return endpoint;
}
