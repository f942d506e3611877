/**
 * Drift between the registry and Stripe's webhook endpoint (events, URL, API version, status), what
 * `sync` does about each, and how a replaced endpoint's secret is stored.
 */
import {
  type DesiredEndpoint,
  type ExistingEndpoint,
  enabledEventsFor,
  endpointDifferences,
  findEndpoint,
  formatDifferences,
  managedByMetadataKey,
  syncPlan,
} from '../../functions/stripe-endpoint/endpoint-drift';
import { signingSecretValue } from '../../functions/stripe-endpoint/signing-secret-store';

const desired: DesiredEndpoint = {
  url: 'https://abc.execute-api.eu-west-1.amazonaws.com/webhook',
  enabledEvents: ['charge.refunded', 'invoice.paid'],
  apiVersion: '2026-10-28.endive',
  owner: 'StripeWebhooks-prod',
};
const matching: ExistingEndpoint = {
  id: 'we_1',
  url: desired.url,
  enabled_events: ['invoice.paid', 'charge.refunded'],
  api_version: '2026-10-28.endive',
  status: 'enabled',
  metadata: { [managedByMetadataKey]: 'StripeWebhooks-prod' },
};

describe('enabledEventsFor', () => {
  it('keeps exact snapshot types, sorted and unique, and leaves out thin event types', () => {
    expect(
      enabledEventsFor(['invoice.paid', 'charge.refunded', 'invoice.paid', 'v1.billing.meter.error_report_triggered']),
    ).toEqual(['charge.refunded', 'invoice.paid']);
  });

  it("needs '*' for a prefix or '*', since enabled_events takes no prefixes", () => {
    expect(enabledEventsFor(['invoice.paid', 'charge.dispute.*'])).toEqual(['*']);
    expect(enabledEventsFor(['*'])).toEqual(['*']);
  });
});

describe('endpointDifferences', () => {
  it('finds none when events (in any order), URL, version and status match', () => {
    expect(endpointDifferences(desired, matching)).toEqual([]);
  });

  it('names the event types missing and extra', () => {
    const differences = endpointDifferences(desired, {
      ...matching,
      enabled_events: ['invoice.paid', 'customer.created'],
    });
    expect(differences).toEqual([
      { field: 'enabled_events', missing: ['charge.refunded'], extra: ['customer.created'] },
    ]);
    expect(formatDifferences(differences)).toBe(
      '- enabled_events lacks charge.refunded: Stripe never sends it\n- enabled_events has customer.created, which no handler subscribes to',
    );
  });

  it("takes '*' on the endpoint as covering every type", () => {
    expect(endpointDifferences(desired, { ...matching, enabled_events: ['*'] })).toEqual([
      { field: 'enabled_events', missing: [], extra: ['*'] },
    ]);
    expect(endpointDifferences({ ...desired, enabledEvents: ['*'] }, { ...matching, enabled_events: ['*'] })).toEqual(
      [],
    );
  });

  it('reports a different URL, API version (also none) and a disabled endpoint', () => {
    const differences = endpointDifferences(desired, {
      ...matching,
      url: 'https://old.example.com/webhook',
      api_version: null,
      status: 'disabled',
    });
    expect(differences.map((difference) => difference.field)).toEqual(['url', 'api_version', 'status']);
    expect(formatDifferences(differences)).toContain(
      "api_version is (none: the account's default), expected 2026-10-28.endive (Stripe cannot change it: sync replaces the endpoint)",
    );
  });

  it('reports a missing endpoint', () => {
    expect(formatDifferences(endpointDifferences(desired, undefined))).toBe(
      `- no webhook endpoint for ${desired.url} (sync creates it)`,
    );
  });
});

describe('findEndpoint', () => {
  it('prefers the endpoint whose metadata names the stack, so a moved URL is drift, not a new endpoint', () => {
    const other = { ...matching, id: 'we_other', metadata: {} };
    const moved = { ...matching, id: 'we_moved', url: 'https://old.example.com/webhook' };
    expect(findEndpoint([other, moved], desired)?.id).toBe('we_moved');
    expect(findEndpoint([other], desired)?.id).toBe('we_other');
    expect(findEndpoint([], desired)).toBeUndefined();
  });
});

describe('syncPlan', () => {
  it('creates when there is none, does nothing when it matches', () => {
    expect(syncPlan(desired, undefined)).toEqual({ kind: 'create' });
    expect(syncPlan(desired, matching)).toEqual({ kind: 'none', id: 'we_1' });
  });

  it('updates events, URL and status in place', () => {
    expect(
      syncPlan(desired, {
        ...matching,
        enabled_events: ['invoice.paid'],
        url: 'https://old.example.com/w',
        status: 'disabled',
      }),
    ).toEqual({
      kind: 'update',
      id: 'we_1',
      changes: { url: desired.url, enabledEvents: desired.enabledEvents, disabled: false },
    });
  });

  it('replaces the endpoint for another API version, which Stripe cannot change', () => {
    expect(syncPlan(desired, { ...matching, api_version: '2025-01-27.acacia' })).toEqual({
      kind: 'replace',
      id: 'we_1',
    });
  });
});

describe('signingSecretValue', () => {
  it('writes the new secret alone, or beside the previous one while an old endpoint still delivers', () => {
    expect(signingSecretValue('whsec_new', 'whsec_old', false)).toBe('whsec_new');
    expect(signingSecretValue('whsec_new', 'whsec_old', true)).toBe('whsec_new,whsec_old');
    expect(signingSecretValue('whsec_new', 'whsec_old,whsec_older', true)).toBe('whsec_new,whsec_old');
    expect(signingSecretValue('whsec_new', 'placeholder', true)).toBe('whsec_new');
    expect(signingSecretValue('whsec_new', undefined, true)).toBe('whsec_new');
  });
});
