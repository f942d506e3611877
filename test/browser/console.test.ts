/**
 * The console of `npm start` in a real headless Chromium (Debian's `chromium` package, driven by
 * playwright-core; no browser is downloaded): what a person does with it, click by click.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Page } from 'playwright-core';
import { resolveSettings } from '../../config/settings';
import { localSenderAddress } from '../../tools/local/defaults';
import type { LocalPipeline } from '../../tools/local/pipeline';
import { createLocalResources, localClientConfig } from '../../tools/local/resources';
import { screenshotPath, triggerFromConsole, useConsoleInChromium } from '../support/console-in-chromium';
import { requireMotoEndpoint } from '../support/wait-for';

jest.setTimeout(90_000);

const signingSecret = 'whsec_browser_test_secret_not_real';
const nameSuffix = 'browser';
const endpoint = requireMotoEndpoint();
const settings = resolveSettings({ stage: 'local' });

let pipeline: LocalPipeline;
let page: Page;

const opened = useConsoleInChromium({
  signingSecret,
  settings,
  // A failed event comes back after 1 s instead of 180 s, so a poison event reaches the DLQ in seconds.
  visibilityTimeoutSeconds: 1,
  resourceNameSuffix: nameSuffix,
});

beforeAll(async () => {
  ({ pipeline, page } = opened());
  await page.goto(`${pipeline.url}/`);
});

/** Triggers `type` from the console's form, its overrides field set to `overrides` (emptied by default). */
const trigger = (type: string, overrides = '') => triggerFromConsole(page, type, { overrides });

describe('the local console', () => {
  it('triggers an event from the form, shows it processed, and renders its email, HTML beside text', async () => {
    // Act
    const id = await trigger('invoice.paid');

    // Assess: the row turns processed, and its page shows the steps, the payload and the email
    const row = page.locator(`#events tr[data-id="${id}"]`);
    await row.locator('.status.processed').waitFor({ timeout: 20_000 });
    await row.click();
    await page.locator('#event-steps li[data-outcome="processed"]').first().waitFor();
    const frame = page.frameLocator('#event-emails iframe');
    await frame.locator('body').filter({ hasText: 'INV-0001' }).waitFor();
    expect(await page.locator('#event-title').textContent()).toContain('invoice.paid');
    expect(await page.locator('#event-payload').textContent()).toContain(`"id": "${id}"`);
    expect(await page.locator('#event-emails .email header').textContent()).toContain('jenny.rosen@example.com');
    expect(await page.locator('#event-emails .email pre').textContent()).toContain('INV-0001');
    // The email cannot run script or reach the console: an empty sandbox.
    expect(await page.locator('#event-emails iframe').getAttribute('sandbox')).toBe('');

    // Resend: the same body again, signed afresh, is skipped as a duplicate
    await page.click('#event-resend');
    await page.locator('#event-steps li[data-outcome="duplicate"]').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: screenshotPath('console-event'), fullPage: true });

    // The list: a thin event shows as such, and the filters narrow the rows
    await page.goto(`${pipeline.url}/#/`);
    const thinId = await trigger('v2.core.event_destination.ping');
    const thinRow = page.locator(`#events tr[data-id="${thinId}"]`);
    await thinRow.locator('.status.ignored').waitFor();
    expect(await thinRow.locator('.kind').textContent()).toBe('thin');
    await page.selectOption('#filter-status', 'processed');
    await thinRow.waitFor({ state: 'detached' });
    expect(await page.locator(`#events tr[data-id="${id}"]`).count()).toBe(1);
    await page.selectOption('#filter-status', '');
    await page.fill('#filter-type', 'ping');
    await page.locator(`#events tr[data-id="${id}"]`).waitFor({ state: 'detached' });
    await page.fill('#filter-type', '');
    await page.screenshot({ path: screenshotPath('console-events') });
  });

  it('shows a poison event in the dead-letter view, and the redrive button moves it back to be processed', async () => {
    // Prepare: without the suppression table every lookup before the send fails, so the receipt handler fails every time
    const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
    await dynamodb.send(new DeleteTableCommand({ TableName: pipeline.resources.suppressionTableName }));
    let id: string;
    try {
      id = await trigger('invoice.paid');
      await page.locator(`#events tr[data-id="${id}"] .status.dead_lettered`).waitFor({ timeout: 45_000 });
    } finally {
      // The cause is fixed: the table is back.
      await createLocalResources(endpoint, settings, {
        signingSecret,
        senderAddress: localSenderAddress,
        visibilityTimeoutSeconds: 1,
        nameSuffix,
      });
      dynamodb.destroy();
    }

    // Act: open the dead-letter view, see it there, redrive
    await page.click('#nav-dlq');
    const deadLetter = page.locator(`#dead-letters tr[data-id="${id}"]`);
    await deadLetter.waitFor({ timeout: 20_000 });
    // Why it is there, as the consumer wrote it on the message: the handler and its error.
    expect(await deadLetter.locator('.dlq-reason').textContent()).toMatch(/^receipt: ResourceNotFoundException/);
    await page.screenshot({ path: screenshotPath('console-dead-letters') });
    await page.click('#dlq-redrive');

    // Assess: gone from the DLQ, processed after all
    await page.locator('#dlq-result').filter({ hasText: 'Moved 1 message(s)' }).waitFor();
    await deadLetter.waitFor({ state: 'detached' });
    await page.click('nav a[href="#/"]');
    await page.locator(`#events tr[data-id="${id}"] .status.processed`).waitFor({ timeout: 20_000 });
  });

  it('lists an address a bounce suppressed, says so on the next event, and the Remove button takes it off', async () => {
    // Prepare: the SES simulator bounces this address
    const address = 'bounce+browser@simulator.amazonses.com';
    await page.goto(`${pipeline.url}/#/`);
    const first = await trigger('invoice.paid', `data.object.customer_email=${address}`);

    // Act: the suppressions view lists it, linked to the event whose email bounced
    await page.click('#nav-suppressions');
    const row = page.locator(`#suppressions tr[data-address="${address}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator('.status').textContent()).toBe('bounce');
    expect(await row.locator('a').textContent()).toBe(first);
    await page.screenshot({ path: screenshotPath('console-suppressions') });

    // The next receipt to it is not sent, and its page says why
    await page.goto(`${pipeline.url}/#/`);
    const second = await trigger('invoice.paid', `data.object.customer_email=${address}`);
    await page.locator(`#events tr[data-id="${second}"] .status.processed`).waitFor({ timeout: 20_000 });
    await page.locator(`#events tr[data-id="${second}"]`).click();
    const note = page.locator('#event-suppressions .suppression-note.suppressed');
    await note.waitFor();
    await page.screenshot({ path: screenshotPath('console-event-suppressed') });
    expect(await note.textContent()).toContain(
      `to ${address} not sent: the address is on the suppression list (bounce`,
    );

    // Remove: gone from the list
    await page.click('#nav-suppressions');
    await row.locator('button.remove').click();
    await page
      .locator('#suppressions-result')
      .filter({ hasText: `${address} taken off the list` })
      .waitFor();
    await row.waitFor({ state: 'detached' });
  });
});
