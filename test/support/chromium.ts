import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's package; CHROMIUM_PATH points elsewhere (e.g. another distribution's chromium-browser). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's headless Chromium through playwright-core (no browser download); fails, never skips, without it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    // Failing, not skipping: a browser test that silently passes without a browser proves nothing.
    throw new Error(
      `No Chromium at ${chromiumPath}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set ` +
        'CHROMIUM_PATH to a Chromium or Chrome binary. .ci/run installs it in CI.',
    );
  }
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}
