// The Customers view: the stored states, and one customer's with its subscriptions, entitlements and "Sync now".

import { $, dateTime, element, eventLink, getAnswer, poll, postJson, state, timeElement } from './core.js';

export function customerPath(id, account) {
  const query = account ? `?account=${encodeURIComponent(account)}` : '';
  return `#/customers/${encodeURIComponent(id)}${query}`;
}

function customerApiPath(suffix = '') {
  const query = state.customerAccount ? `?account=${encodeURIComponent(state.customerAccount)}` : '';
  return `/_local/customers/${encodeURIComponent(state.customerId)}${suffix}${query}`;
}

const yesNo = (value) =>
  element('span', { class: `status ${value ? 'yes' : 'no'}`, textContent: value ? 'yes' : 'no' });
/** A yes or no that is neither good nor bad news (cancel at period end), or bad news when yes (deleted). */
const flag = (value, badWhenYes = false) =>
  element('span', { class: `status flag${value && badWhenYes ? ' deleted' : ''}`, textContent: value ? 'yes' : 'no' });

function accessBadge(customer) {
  return customer.deleted
    ? element('span', { class: 'status deleted', textContent: 'deleted' })
    : yesNo(customer.access);
}

/** A link inside a clickable row: follows itself, not the row. */
function rowLink(eventId) {
  const link = eventLink(eventId);
  link.addEventListener('click', (click) => click.stopPropagation());
  return link;
}

function renderCustomers() {
  const count = state.customers.length;
  $('#customers-count').textContent = state.customersOff ? 'off' : String(count);
  $('#customers tbody').replaceChildren(
    ...state.customers.map((c) =>
      element(
        'tr',
        {
          'data-id': c.customerId,
          onclick: () => {
            location.hash = customerPath(c.customerId, c.account);
          },
        },
        element('td', {}, timeElement(c.syncedAt)),
        element(
          'td',
          { class: 'id' },
          c.customerId,
          c.account ? element('small', { class: 'account', textContent: ` ${c.account}` }) : null,
        ),
        element('td', { textContent: c.email ?? '—' }),
        element('td', { class: 'access' }, accessBadge(c)),
        element(
          'td',
          { class: 'subscriptions' },
          ...(c.subscriptions.length
            ? c.subscriptions.map((s) => element('span', { class: `status ${s.status}`, textContent: s.status }))
            : ['—']),
        ),
        element('td', { textContent: String(c.entitlements.length) }),
        element(
          'td',
          {},
          c.sourceEventId ? rowLink(c.sourceEventId) : element('span', { class: 'empty', textContent: 'Sync now' }),
        ),
      ),
    ),
  );
  $('#customers-loading').hidden = true;
  $('#customers').hidden = state.customersOff;
  $('#customers-empty').hidden = state.customersOff || count > 0;
  $('#customers-off').hidden = !state.customersOff;
}

function fact(term, ...value) {
  return [element('dt', { textContent: term }), element('dd', {}, ...value)];
}

function paymentMethod(method) {
  if (!method) return 'none';
  return `${method.brand ?? 'card'} •••• ${method.last4 ?? '????'}`;
}

function subscriptionRows(subscription) {
  const items = subscription.items.length ? subscription.items : [null];
  return items.map((item, index) => {
    // The subscription's own cells span its items' rows.
    const own =
      index === 0
        ? [
            element('td', { class: 'id', rowSpan: items.length, textContent: subscription.id }),
            element(
              'td',
              { rowSpan: items.length },
              element('span', { class: `status ${subscription.status}`, textContent: subscription.status }),
            ),
            element('td', { rowSpan: items.length }, flag(subscription.cancelAtPeriodEnd)),
            element('td', { rowSpan: items.length, textContent: dateTime(subscription.currentPeriodEnd) }),
            element('td', { rowSpan: items.length, textContent: dateTime(subscription.trialEnd) }),
          ]
        : [];
    return element(
      'tr',
      { 'data-id': subscription.id, class: index === 0 ? 'first' : 'more' },
      ...own,
      element('td', { class: 'id', textContent: item?.priceId ?? '—' }),
      element('td', { textContent: item?.lookupKey ?? '—' }),
      element('td', { class: 'id', textContent: item?.productId ?? '—' }),
      element('td', { textContent: item?.quantity === null || item === null ? '—' : String(item.quantity) }),
    );
  });
}

function renderCustomer() {
  const customer = state.customer;
  const error = state.customerError;
  $('#customer-title').replaceChildren(
    element('code', { textContent: state.customerId ?? '' }),
    state.customerAccount ? element('small', { class: 'account', textContent: ` on ${state.customerAccount}` }) : '',
    customer ? ' ' : '',
    customer
      ? element('span', {
          class: `status ${customer.deleted ? 'deleted' : customer.access ? 'yes' : 'no'}`,
          textContent: customer.deleted ? 'deleted' : customer.access ? 'access' : 'no access',
        })
      : '',
  );
  $('#customer-sync').disabled = state.customersOff;
  $('#customer-body').hidden = !customer;
  $('#customer-loading').hidden = Boolean(customer || error);
  $('#customer-missing').hidden = Boolean(customer) || !error;
  if (!customer) {
    $('#customer-missing').textContent = error
      ? error.code === 'not_synced'
        ? `${state.customerId} is not synced yet: no billing event about it has been processed, and nobody pressed Sync now. Sync now reads it from Stripe's API (the fake) and stores it.`
        : error.message
      : '';
    return;
  }
  $('#customer-meta').replaceChildren(
    'synced by ',
    customer.sourceEventId ? eventLink(customer.sourceEventId) : 'Sync now (no event)',
    ` at ${dateTime(customer.syncedAt)}`,
  );
  $('#customer-facts').replaceChildren(
    ...fact('Access', yesNo(customer.access)),
    ...fact('Deleted', flag(customer.deleted, true)),
    ...fact('Email', customer.email ?? '—'),
    ...fact('Name', customer.name ?? '—'),
    ...fact('Default payment method', paymentMethod(customer.defaultPaymentMethod)),
  );
  $('#customer-subscriptions tbody').replaceChildren(...customer.subscriptions.flatMap(subscriptionRows));
  $('#customer-subscriptions').hidden = customer.subscriptions.length === 0;
  $('#customer-subscriptions-empty').hidden = customer.subscriptions.length > 0;
  $('#customer-entitlements tbody').replaceChildren(
    ...customer.entitlements.map((e) =>
      element(
        'tr',
        { 'data-lookup-key': e.lookupKey },
        element('td', { class: 'id', textContent: e.featureId }),
        element('td', { textContent: e.lookupKey }),
      ),
    ),
  );
  $('#customer-entitlements').hidden = customer.entitlements.length === 0;
  $('#customer-entitlements-empty').hidden = customer.entitlements.length > 0;
}

export async function refreshCustomers() {
  const list = await getAnswer('/_local/customers');
  state.customersOff = list.body?.error?.code === 'billing_state_off';
  state.customers = list.ok ? list.body : [];
  renderCustomers();
  if (state.customerId && !state.customersOff) {
    const id = state.customerId;
    const answer = await getAnswer(customerApiPath());
    if (id !== state.customerId) return; // another customer was opened meanwhile
    state.customer = answer.ok ? answer.body : null;
    state.customerError = answer.ok ? null : (answer.body?.error ?? { message: `${answer.status}` });
    renderCustomer();
  } else if (state.customerId) {
    state.customer = null;
    state.customerError = { code: 'billing_state_off', message: $('#customers-off').textContent };
    renderCustomer();
  }
}

async function syncCustomerNow() {
  if (!state.customerId) return;
  const button = $('#customer-sync');
  button.disabled = true;
  $('#customer-result').textContent = `↻ syncing ${state.customerId}…`;
  try {
    const answer = await postJson(customerApiPath('/sync'));
    state.customer = answer.state;
    state.customerError = null;
    renderCustomer();
    const access = answer.state.deleted ? 'deleted, no access' : `access ${answer.state.access ? 'yes' : 'no'}`;
    $('#customer-result').textContent =
      `↻ ${answer.status}${answer.changed === false ? ' (unchanged)' : ''}: ${access}, ` +
      `${answer.state.subscriptions.length} subscription(s), ${answer.state.entitlements.length} entitlement(s)`;
    await poll.now();
  } catch (error) {
    $('#customer-result').textContent = `✖ ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

$('#customer-sync').addEventListener('click', syncCustomerNow);

$('#customer-open').addEventListener('submit', (submit) => {
  submit.preventDefault();
  const id = $('#customer-open-id').value.trim();
  if (id) location.hash = customerPath(id, null);
});
