export default async function globalTeardown(): Promise<void> {
  await (globalThis as { stopMoto?: () => Promise<void> }).stopMoto?.();
}
