import { startMoto } from '../../tools/local/moto';

/** One moto_server for the whole integration run, on a free port; test files find it in MOTO_ENDPOINT. */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (process.env.MOTO_ENDPOINT) return; // an emulator the caller already runs
  // The same provisioning as `npm start`: without moto_server on PATH, moto goes into .local/moto-venv once.
  const moto = await startMoto({ print: (line) => process.stderr.write(`${line}\n`) });
  process.env.MOTO_ENDPOINT = moto.endpoint;
  (globalThis as { stopMoto?: () => Promise<void> }).stopMoto = moto.stop;
}
