/**
 * What the browser tests share: a local pipeline on the tests' moto with its console open in a headless
 * Chromium page (en-US, 1400 × 1000), where the screenshots go, the console's date format, its width check,
 * its trigger form, and a held answer for the "Loading…" states.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { resolveSettings } from '../../config/settings';
import { type LocalPipeline, type LocalPipelineOptions, startLocalPipeline } from '../../tools/local/pipeline';
import { launchChromium } from './chromium';
import { requireMotoEndpoint } from './wait-for';

/** Where the browser tests leave their screenshots (ignored by git, kept by CI as artifacts). */
export const screenshotDirectory = join(__dirname, '..', '..', '.local', 'screenshots');

/** Every time the console shows: "Dec 6, 2026, 15:52:26". */
export const dateAndTime = /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}:\d{2}$/;

export interface ConsoleInChromium {
  readonly pipeline: LocalPipeline;
  readonly browser: Browser;
  /** A page of `browser`, on no URL yet. */
  readonly page: Page;
}

/**
 * The browser test file's pipeline and page: registers `beforeAll` to start a local pipeline on the tests' moto
 * (a free port, the local settings unless given) and a Chromium page 1400 px wide to look at its console, and
 * `afterAll` to close both. The returned function gives them, from a hook or a test on.
 */
export function useConsoleInChromium(
  options: Omit<LocalPipelineOptions, 'port' | 'emulatorEndpoint'>,
): () => ConsoleInChromium {
  let pipeline: LocalPipeline | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      port: 0,
      emulatorEndpoint: requireMotoEndpoint(),
      settings: resolveSettings({ stage: 'local' }),
      ...options,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
    mkdirSync(screenshotDirectory, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await pipeline?.stop();
  });
  return () => {
    if (pipeline === undefined || browser === undefined || page === undefined) {
      throw new Error('The console is not open yet: use it inside a test or a hook after useConsoleInChromium.');
    }
    return { pipeline, browser, page };
  };
}

/** The path of the screenshot `name` (`.png` added). */
export const screenshotPath = (name: string): string => join(screenshotDirectory, `${name}.png`);

/** How wide the page's content is, in px: wider than the window means a sideways scroll. */
export async function contentWidthOf(page: Page): Promise<number> {
  // A string, evaluated in the page: the tests are typed without the DOM library.
  return Number(await page.evaluate('document.documentElement.scrollWidth'));
}

/**
 * Holds every answer to `pathname` until `release()`, so that a test sees what the console shows while it
 * waits; `stop()` lets later requests through unheld.
 */
export async function holdAnswers(page: Page, pathname: string): Promise<{ release(): void; stop(): Promise<void> }> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const matches = (url: URL) => url.pathname === pathname;
  await page.route(matches, async (route) => {
    await held;
    await route.continue();
  });
  return { release, stop: () => page.unroute(matches) };
}

/**
 * Sends `type` with the console's trigger form, as a person would (`via` a path, `overrides` in its field when
 * given), and returns the event id it reports: a line other than the one an earlier trigger left.
 */
export async function triggerFromConsole(
  page: Page,
  type: string,
  options: { readonly via?: 'webhook' | 'eventbridge'; readonly overrides?: string } = {},
): Promise<string> {
  await page.fill('#trigger-type', type);
  if (options.overrides !== undefined) await page.fill('#trigger-overrides', options.overrides);
  if (options.via !== undefined) await page.selectOption('#trigger-via', options.via);
  const result = page.locator('#trigger-result');
  const before = (await result.textContent()) ?? '';
  await page.click('#trigger-send');
  await result
    .filter({ hasText: `→ ${type} evt_test_` })
    .filter({ hasNotText: before || '\u0000' })
    .waitFor();
  const id = /evt_test_\w+/.exec((await result.textContent()) ?? '')?.[0];
  if (!id) throw new Error(`no event id in: ${await result.textContent()}`);
  return id;
}
