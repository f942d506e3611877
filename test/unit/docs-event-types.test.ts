import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { encodeSubscribedTypes, subscribedTypeMatcher } from '../../config/subscribed-types';
import { subscribedTypesOf } from '../../functions/consumer/define-subscriptions';
import { EventRegistry } from '../../functions/consumer/event-registry';
import projectSubscriptions from '../../functions/subscriptions';

const readme = readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');

/** The text of a `### ` section, up to the next heading. */
function section(title: string): string {
  const start = readme.indexOf(`\n### ${title}\n`);
  if (start < 0) throw new Error(`docs/deploy.md has no section "### ${title}"`);
  const end = readme.indexOf('\n#', start + title.length + 6);
  return readme.slice(start, end < 0 ? undefined : end);
}

const eventType = /`([a-z_]+(?:\.[a-z_]+)+)`/g;

describe('docs/deploy.md: the event types to enable on the Stripe endpoint', () => {
  const text = section('Create the Stripe endpoint');
  const step = text.slice(text.indexOf('\n2. '), text.indexOf('\n3. '));
  const dashboardTypes = [...step.slice(0, step.indexOf('```')).matchAll(eventType)].map((match) => match[1]);
  const cliTypes = [...step.matchAll(/enabled_events\[\]=([^"\s]+)/g)].map((match) => match[1]);
  // The types a handler subscribes to; a prefix or catch-all subscription shows as `prefix.*` or `*`,
  // which the page would have to spell out type by type, so this fails until it does.
  const subscribed = subscribedTypesOf(projectSubscriptions);

  it('lists exactly the subscribed types for the Dashboard', () => {
    expect([...dashboardTypes].sort()).toEqual([...subscribed].sort());
  });

  it('lists exactly the subscribed types in the Stripe CLI command', () => {
    expect([...cliTypes].sort()).toEqual([...subscribed].sort());
  });

  it('finds the lists it compares (a page reworded so that they vanish fails here)', () => {
    expect(dashboardTypes.length).toBeGreaterThan(0);
    expect(cliTypes.length).toBeGreaterThan(0);
  });
});

describe("the receiver's event-type filter", () => {
  it("answers from the consumer's subscriptions, as the construct encodes them", () => {
    // Prepare
    const isSubscribed = subscribedTypeMatcher(encodeSubscribedTypes(subscribedTypesOf(projectSubscriptions)));
    // Act / Assess
    expect(subscribedTypesOf(projectSubscriptions).map(isSubscribed)).not.toContain(false);
    expect(['customer.created', 'invoice.paid.extra', 'invoice', ''].map(isSubscribed)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('follows prefix and catch-all subscriptions', () => {
    // Prepare
    const prefixed = subscribedTypeMatcher(
      encodeSubscribedTypes(new EventRegistry<unknown>().on('charge.dispute.', () => undefined).subscriptions()),
    );
    const everything = subscribedTypeMatcher(
      encodeSubscribedTypes(new EventRegistry<unknown>().onAny(() => undefined).subscriptions()),
    );
    // Act / Assess
    expect([prefixed('charge.dispute.created'), prefixed('charge.refunded')]).toEqual([true, false]);
    expect(everything('anything.at_all')).toBe(true);
  });
});
