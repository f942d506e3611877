// The local console: polls the pipeline's JSON under /_local/ once a second and renders it with the DOM API only
// (textContent, never innerHTML, so nothing in an event can inject markup). Emails render in a sandboxed iframe.

const $ = (selector) => document.querySelector(selector);
const state = {
  events: [],
  deadLetters: [],
  suppressions: [],
  detail: null,
  // The open event's id is not one the pipeline has seen (its API answered 404).
  detailMissing: false,
  // Whether the first poll has answered: until then the lists say "Loading…", not that they are empty.
  loaded: false,
  view: 'events',
  eventId: null,
  customers: [],
  customersOff: false,
  // The open customer: its id and account, and what the pipeline answered for it (a state, or an error).
  customerId: null,
  customerAccount: null,
  customer: null,
  customerError: null,
  // The business alerts recorded, the newest first, and whether the feature is off in this pipeline.
  alerts: [],
  alertsOff: false,
};

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

/** A GET whose error answer matters too (a customer not synced yet is a 404 with what to do). */
async function getAnswer(path) {
  const response = await fetch(path, { cache: 'no-store' });
  const body = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, body };
}

async function postJson(path, body, method = 'POST') {
  const response = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer?.error?.message ?? `${path}: ${response.status}`);
  return answer;
}

// Every time shown has its date, in one format ("Dec 6, 2026, 15:52:26"): a list kept across days must not
// show two events at "09:12:03" without saying which day. h23, not hour12: false, which can print "24:05:00".
const dateTime = (iso) =>
  iso
    ? new Date(iso).toLocaleString([], {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      })
    : '—';
/** A date and time as a <time> element, the ISO instant kept in its datetime attribute. */
const timeElement = (iso) => element('time', { dateTime: iso ?? '', textContent: dateTime(iso) });
const statusBadge = (status) => element('span', { class: `status ${status}`, textContent: status });
const kindBadges = (event) => [
  event.payload === 'thin' ? element('span', { class: 'kind', textContent: 'thin' }) : null,
  event.delivery === 'eventbridge' ? element('span', { class: 'kind', textContent: 'EventBridge' }) : null,
];

function renderEvents() {
  const typeFilter = $('#filter-type').value.trim().toLowerCase();
  const statusFilter = $('#filter-status').value;
  const shown = state.events
    .filter(
      (e) => (!typeFilter || e.type.toLowerCase().includes(typeFilter)) && (!statusFilter || e.status === statusFilter),
    )
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : -1));
  const rows = shown.map((e) =>
    element(
      'tr',
      {
        'data-id': e.id,
        onclick: () => {
          location.hash = `#/events/${encodeURIComponent(e.id)}`;
        },
      },
      element('td', {}, timeElement(e.receivedAt)),
      element('td', { textContent: e.type }),
      element('td', { class: 'id', textContent: e.id }),
      element('td', {}, statusBadge(e.status)),
      element('td', { textContent: String(e.attempts) }),
      element('td', { textContent: String(e.deliveries) }),
      element('td', {}, ...kindBadges(e)),
    ),
  );
  $('#events tbody').replaceChildren(...rows);
  $('#events-loading').hidden = true;
  $('#events-empty').hidden = state.events.length > 0;
  $('#events-count').textContent = `${shown.length} of ${state.events.length}`;
}

function renderEmail(email) {
  // No allow-scripts, no allow-same-origin: the email's HTML is shown, never run, and cannot reach the console.
  const frame = element('iframe', { title: `HTML of ${email.subject}` });
  frame.setAttribute('sandbox', '');
  frame.srcdoc = email.html;
  return element(
    'article',
    { class: 'email', 'data-message-id': email.messageId },
    element('header', {}, element('b', { textContent: email.subject }), `to ${email.to} · from ${email.from}`),
    element(
      'div',
      { class: 'sides' },
      element('div', {}, element('div', { class: 'side-label', textContent: 'HTML' }), frame),
      element(
        'div',
        {},
        element('div', { class: 'side-label', textContent: 'Text' }),
        element('pre', { textContent: email.text }),
      ),
    ),
  );
}

function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body ?? '(no body kept)';
  }
}

function eventLink(eventId) {
  return element('a', { href: `#/events/${encodeURIComponent(eventId)}`, class: 'id', textContent: eventId });
}

/** On an event's page: the addresses its email got suppressed, and the emails not sent because they were. */
function renderEventSuppressions(detail) {
  const notes = [];
  for (const unsent of detail.unsentEmails ?? []) {
    const entry = (detail.suppressions ?? []).find((s) => s.address === unsent.to.toLowerCase());
    notes.push(
      element(
        'p',
        { class: `suppression-note ${unsent.reason}` },
        `⊘ "${unsent.subject}" to ${unsent.to} not sent: `,
        unsent.reason === 'suppressed'
          ? `the address is on the suppression list${entry ? ` (${entry.reason}, ${entry.detail}, since ${dateTime(entry.at)})` : ''}`
          : `SES refused it for good${unsent.code ? ` (${unsent.code})` : ''}`,
        unsent.reason === 'suppressed' && entry?.eventId && entry.eventId !== detail.event.id
          ? ' — after the email of '
          : '',
        unsent.reason === 'suppressed' && entry?.eventId && entry.eventId !== detail.event.id
          ? eventLink(entry.eventId)
          : '',
      ),
    );
  }
  for (const entry of (detail.suppressions ?? []).filter((s) => s.eventId === detail.event.id)) {
    notes.push(
      element(
        'p',
        { class: 'suppression-note caused' },
        `⊘ SES reported a ${entry.reason} (${entry.detail}) for this event's email to ${entry.address}: suppressed since ${dateTime(entry.at)}`,
      ),
    );
  }
  $('#event-suppressions').replaceChildren(...notes);
}

let renderedEmails = '';
function renderDetail() {
  const detail = state.detail;
  // Nothing of an event shown until its answer, and for an unknown id only that it is unknown: no Resend.
  $('#event-loading').hidden = Boolean(detail) || state.detailMissing;
  $('#event-missing').hidden = !state.detailMissing;
  $('#event-missing-id').textContent = state.eventId ?? '';
  $('#event-body').hidden = !detail;
  renderEventDeliveries();
  if (!detail) return;
  const { event } = detail;
  $('#event-title').replaceChildren(`${event.type} `, statusBadge(event.status));
  $('#event-meta').replaceChildren(
    element('code', { textContent: event.id }),
    ` · first seen ${dateTime(event.receivedAt)} · ${event.attempts} attempt(s) · ${event.deliveries} deliver${event.deliveries === 1 ? 'y' : 'ies'} · `,
    event.payload === 'thin' ? 'thin event' : 'snapshot event',
    event.delivery === 'eventbridge' ? ' via EventBridge' : ' via webhook',
  );
  $('#event-steps').replaceChildren(
    ...detail.steps.map((s) => element('li', { 'data-outcome': s.outcome }, timeElement(s.at), s.message)),
  );
  renderEventSuppressions(detail);
  // Re-rendering an iframe reloads it: only when the emails changed.
  const key = detail.emails.map((e) => e.messageId).join();
  if (key !== renderedEmails) {
    renderedEmails = key;
    $('#event-emails').replaceChildren(
      ...(detail.emails.length
        ? detail.emails.map(renderEmail)
        : [element('p', { class: 'empty', textContent: 'No email sent for this event.' })]),
    );
  }
  const payload = pretty(detail.body);
  if ($('#event-payload').textContent !== payload) $('#event-payload').textContent = payload;
}

function renderDeadLetters() {
  const count = state.deadLetters.length;
  $('#dlq-count').textContent = String(count);
  $('#dlq-count').classList.toggle('alert', count > 0);
  $('#dead-letters tbody').replaceChildren(
    ...state.deadLetters.map((d) =>
      element(
        'tr',
        {
          'data-id': d.eventId ?? '',
          onclick: () => {
            if (d.eventId) location.hash = `#/events/${encodeURIComponent(d.eventId)}`;
          },
        },
        element('td', {}, timeElement(d.sentAt)),
        element('td', { textContent: d.eventType ?? '?' }),
        element('td', { class: 'id', textContent: d.eventId ?? '?' }),
        // The consumer's attempts from the event log: SQS's receive count also counts this page's own peeks.
        element('td', { textContent: String(state.events.find((e) => e.id === d.eventId)?.attempts ?? '?') }),
        // Why it is here, as the consumer wrote it on the last attempt: fix that, then redrive.
        element('td', {
          class: 'dlq-reason',
          textContent: d.reason ? d.reason.error : 'no reason recorded (moved by SQS itself)',
          title: d.reason
            ? [
                d.reason.handler && `handler: ${d.reason.handler}`,
                d.reason.step && `step: ${d.reason.step}`,
                d.reason.field && `field: ${d.reason.field}`,
                d.reason.failedAt && `failed at: ${d.reason.failedAt}`,
              ]
                .filter(Boolean)
                .join('\n')
            : '',
        }),
        element('td', { class: 'id', textContent: d.messageId }),
      ),
    ),
  );
  $('#dlq-loading').hidden = true;
  $('#dlq-empty').hidden = count > 0;
  $('#dlq-redrive').disabled = count === 0;
}

function renderSuppressions() {
  const count = state.suppressions.length;
  $('#suppressions-count').textContent = String(count);
  $('#suppressions tbody').replaceChildren(
    ...state.suppressions.map((s) =>
      element(
        'tr',
        { 'data-address': s.address },
        element('td', {}, timeElement(s.at)),
        element('td', { textContent: s.address }),
        element('td', {}, element('span', { class: `status ${s.reason}`, textContent: s.reason })),
        element('td', { textContent: s.detail }),
        element('td', {}, s.eventId ? eventLink(s.eventId) : '—'),
        element('td', { class: 'id', textContent: s.messageId ?? '—' }),
        element(
          'td',
          {},
          element('button', {
            type: 'button',
            class: 'remove',
            textContent: 'Remove',
            title: 'Delete the item: the address is emailed again',
            onclick: () => removeSuppression(s.address),
          }),
        ),
      ),
    ),
  );
  $('#suppressions-loading').hidden = true;
  $('#suppressions-empty').hidden = count > 0;
}

async function removeSuppression(address) {
  try {
    await postJson(`/_local/suppressions/${encodeURIComponent(address)}`, {}, 'DELETE');
    $('#suppressions-result').textContent = `${address} taken off the list: it is emailed again.`;
    await refresh();
  } catch (error) {
    $('#suppressions-result').textContent = `✖ ${error.message}`;
  }
}

// The Customers view: the stored states, and one customer's with its subscriptions, entitlements and "Sync now".

function customerPath(id, account) {
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

async function refreshCustomers() {
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
    await refresh();
  } catch (error) {
    $('#customer-result').textContent = `✖ ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// The Alerts view: the business alerts the pipeline recorded instead of sending them, the newest first.

/** The alerts whose text is open: kept across the polls, which rebuild the list. */
const openAlerts = new Set();
let renderedAlerts = '';
const alertKey = (alert) => `${alert.at}|${alert.kind}|${alert.eventId}`;

function renderAlert(alert) {
  const key = alertKey(alert);
  const details = element(
    'details',
    { open: openAlerts.has(key) },
    element('summary', { class: 'alert-subject', textContent: alert.subject }),
    element('pre', { class: 'alert-text', textContent: alert.text }),
    alert.dashboardUrl
      ? element(
          'p',
          { class: 'alert-dashboard' },
          element('a', {
            href: alert.dashboardUrl,
            target: '_blank',
            rel: 'noopener noreferrer',
            textContent: 'Open in the Dashboard',
          }),
        )
      : null,
  );
  details.addEventListener('toggle', () => {
    if (details.open) openAlerts.add(key);
    else openAlerts.delete(key);
  });
  return element(
    'li',
    { class: 'alert-card', 'data-kind': alert.kind, 'data-event-id': alert.eventId },
    element(
      'div',
      { class: 'alert-head' },
      element('span', { class: `status alert-kind ${alert.kind}`, textContent: alert.kind }),
      timeElement(alert.at),
      element('span', { class: 'alert-event' }, 'event ', eventLink(alert.eventId)),
      alert.destination && alert.destination !== 'local'
        ? element('span', { class: 'kind', textContent: alert.destination })
        : null,
    ),
    details,
  );
}

function renderAlerts() {
  $('#alerts-count').textContent = state.alertsOff ? 'off' : String(state.alerts.length);
  // Rebuilt only when the list changed: a rebuild would close the text being read and lose the selection.
  const signature = `${state.alertsOff}|${state.alerts.length}|${state.alerts[0] ? alertKey(state.alerts[0]) : ''}`;
  if (signature !== renderedAlerts) {
    renderedAlerts = signature;
    $('#alerts').replaceChildren(...state.alerts.map(renderAlert));
  }
  $('#alerts-loading').hidden = true;
  $('#alerts').hidden = state.alertsOff || state.alerts.length === 0;
  $('#alerts-empty').hidden = state.alertsOff || state.alerts.length > 0;
  $('#alerts-off').hidden = !state.alertsOff;
}

async function refreshAlerts() {
  const answer = await getAnswer('/_local/alerts');
  state.alertsOff = answer.body?.error?.code === 'business_alerts_off';
  if (!answer.ok && !state.alertsOff) return; // keep what is shown
  state.alerts = answer.ok ? answer.body : [];
  renderAlerts();
}

// The Deliveries view: every request to /webhook and /_local/eventbridge, refused ones highlighted with what to fix.

const deliveries = {
  list: [],
  // What the lists show, so that a poll rebuilds them only when they changed (a rebuild loses a selection).
  rendered: '',
  renderedForEvent: '',
};
const isProblem = (d) => d.outcome === 'refused' || d.outcome === 'failed';
const milliseconds = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms} ms`);
const byteSize = (bytes) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${bytes} B`;
const deliveriesKey = (list) => list.map((d) => `${d.at}|${d.status}|${d.eventId}`).join();

/** One delivery: status, time, code or outcome, request, event and numbers; a refused one's message and hint below. */
function renderDelivery(d, linkEvent = true) {
  return element(
    'li',
    {
      class: `delivery ${d.outcome}`,
      'data-status': String(d.status),
      'data-code': d.code ?? '',
      'data-event-id': d.eventId ?? '',
    },
    element(
      'div',
      { class: 'delivery-head' },
      element('span', { class: `status http ${d.outcome}`, textContent: String(d.status) }),
      element('span', { class: 'delivery-time' }, timeElement(d.at)),
      d.code
        ? element('code', { class: 'delivery-code', textContent: d.code })
        : element('span', { class: 'delivery-outcome', textContent: d.outcome }),
      element('span', { class: 'delivery-request', textContent: `${d.method} ${d.path}` }),
      d.eventType ? element('span', { class: 'delivery-type', textContent: d.eventType }) : null,
      d.eventId && linkEvent ? eventLink(d.eventId) : null,
      element('span', {
        class: 'delivery-numbers',
        title: 'latency, from the request to the answer · request body size',
        textContent: `${milliseconds(d.latencyMs)} · ${byteSize(d.bytes)}`,
      }),
    ),
    d.message ? element('p', { class: 'delivery-message', textContent: d.message }) : null,
    d.hint ? element('p', { class: 'delivery-hint' }, element('b', { textContent: 'To fix: ' }), d.hint) : null,
  );
}

function renderDeliveries() {
  const all = deliveries.list;
  const problems = all.filter(isProblem).length;
  const count = $('#deliveries-count');
  count.textContent = String(all.length);
  // Red while the newest delivery was refused: the sender is still getting it wrong.
  count.classList.toggle('alert', Boolean(all[0] && isProblem(all[0])));
  count.title = `${problems} refused or failed of the last ${all.length}`;
  const filter = $('#deliveries-filter').value;
  const shown = all.filter((d) => !filter || (filter === 'problem') === isProblem(d));
  const key = `${filter}|${deliveriesKey(shown)}`;
  if (key !== deliveries.rendered) {
    deliveries.rendered = key;
    $('#deliveries').replaceChildren(...shown.map((d) => renderDelivery(d)));
  }
  $('#deliveries-summary').textContent = `${shown.length} of ${all.length} · ${problems} refused or failed`;
  $('#deliveries-loading').hidden = true;
  $('#deliveries-empty').hidden = all.length > 0;
}

/** On an event's page: each delivery of it, joined by event id; for an id never accepted, the refusals instead of "No event". */
function renderEventDeliveries() {
  const id = state.eventId;
  const mine = id ? deliveries.list.filter((d) => d.eventId === id) : [];
  const onlyRefused = state.detailMissing && mine.length > 0;
  $('#event-refused').hidden = !onlyRefused;
  if (onlyRefused) $('#event-missing').hidden = true;
  $('#event-refused-id').textContent = id ?? '';
  $('#event-deliveries-empty').hidden = mine.length > 0;
  const key = `${id}|${onlyRefused}|${deliveriesKey(mine)}`;
  if (key === deliveries.renderedForEvent) return;
  deliveries.renderedForEvent = key;
  $('#event-deliveries').replaceChildren(...(onlyRefused ? [] : mine.map((d) => renderDelivery(d, false))));
  $('#event-refused-deliveries').replaceChildren(...(onlyRefused ? mine.map((d) => renderDelivery(d, false)) : []));
}

async function refreshDeliveries() {
  deliveries.list = await getJson('/_local/deliveries');
  renderDeliveries();
  if (state.eventId) renderEventDeliveries();
}

$('#deliveries-filter').addEventListener('change', renderDeliveries);

function route() {
  const match = /^#\/events\/(.+)$/.exec(location.hash);
  const customerMatch = /^#\/customers\/([^?]+)(?:\?account=(.+))?$/.exec(location.hash);
  const named = {
    '#/dead-letters': 'dead-letters',
    '#/suppressions': 'suppressions',
    '#/customers': 'customers',
    '#/deliveries': 'deliveries',
    '#/alerts': 'alerts',
  };
  state.view = match ? 'event' : customerMatch ? 'customer' : (named[location.hash] ?? 'events');
  const customerId = customerMatch ? decodeURIComponent(customerMatch[1]) : null;
  const customerAccount = customerMatch?.[2] ? decodeURIComponent(customerMatch[2]) : null;
  if (customerId !== state.customerId || customerAccount !== state.customerAccount) {
    state.customer = null;
    state.customerError = null;
    $('#customer-result').textContent = '';
    $('#customer-body').hidden = true;
    $('#customer-missing').hidden = true;
    $('#customer-loading').hidden = false;
  }
  state.customerId = customerId;
  state.customerAccount = customerAccount;
  const eventId = match ? decodeURIComponent(match[1]) : null;
  if (eventId !== state.eventId) {
    state.detail = null;
    state.detailMissing = false;
    $('#event-loading').hidden = false;
    $('#event-missing').hidden = true;
    $('#event-refused').hidden = true;
    $('#event-body').hidden = true;
    renderedEmails = '';
    $('#event-emails').replaceChildren();
  }
  state.eventId = eventId;
  $('#view-events').hidden = state.view !== 'events';
  $('#view-event').hidden = state.view !== 'event';
  $('#view-dead-letters').hidden = state.view !== 'dead-letters';
  $('#view-suppressions').hidden = state.view !== 'suppressions';
  $('#view-customers').hidden = state.view !== 'customers';
  $('#view-customer').hidden = state.view !== 'customer';
  $('#view-deliveries').hidden = state.view !== 'deliveries';
  $('#view-alerts').hidden = state.view !== 'alerts';
  for (const link of document.querySelectorAll('nav a')) {
    const view = link.getAttribute('href').slice(2) || 'events';
    link.classList.toggle('current', view === state.view || `${view.replace(/s$/, '')}` === state.view);
  }
  refresh();
}

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const [events, deadLetters] = await Promise.all([getJson('/_local/events'), getJson('/_local/dead-letters')]);
    state.events = events;
    state.deadLetters = deadLetters;
    if (!state.loaded) for (const loading of document.querySelectorAll('.loading')) loading.textContent = 'Loading…';
    renderEvents();
    renderDeadLetters();
    // Before the open event's answer, which joins them; on their own, like the suppressions below.
    await refreshDeliveries().catch(() => undefined);
    // On its own: the table can be missing for a while (the browser test deletes it), and the rest still shows.
    const suppressions = await getJson('/_local/suppressions').catch((error) => {
      if ($('#suppressions-empty').hidden && !$('#suppressions-loading').hidden) {
        $('#suppressions-loading').textContent =
          `Could not read the suppression list (${error.message}): trying again.`;
      }
      return null;
    });
    if (suppressions) {
      state.suppressions = suppressions;
      renderSuppressions();
    }
    if (state.eventId) {
      const id = state.eventId;
      const answer = await getAnswer(`/_local/events/${encodeURIComponent(id)}`).catch(() => null);
      // Another event opened meanwhile, or no answer at all (then what is shown stays).
      if (id === state.eventId && answer) {
        state.detail = answer.ok ? answer.body : null;
        state.detailMissing = answer.status === 404;
        renderDetail();
      }
    }
    // On its own too: a failing table scan must not take the other views with it.
    await refreshCustomers().catch(() => undefined);
    await refreshAlerts().catch(() => undefined);
    state.loaded = true;
    document.body.dataset.connected = 'true';
  } catch {
    document.body.dataset.connected = 'false';
    if (!state.loaded) {
      for (const loading of document.querySelectorAll('.loading')) {
        loading.textContent = `Loading… no answer from the pipeline at ${location.origin} yet: is npm start running?`;
      }
    }
  } finally {
    refreshing = false;
  }
}

async function loadTypes() {
  const { snapshot, thin } = await getJson('/_local/event-types');
  $('#event-types').replaceChildren(...[...snapshot, ...thin].map((type) => element('option', { value: type })));
  $('#trigger-type').title = `${snapshot.length} snapshot and ${thin.length} thin event types`;
}

$('#trigger-form').addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const button = $('#trigger-send');
  button.disabled = true;
  try {
    const answer = await postJson('/_local/trigger', {
      type: $('#trigger-type').value,
      via: $('#trigger-via').value,
      overrides: $('#trigger-overrides').value.split('\n'),
    });
    $('#trigger-result').textContent =
      `→ ${answer.type} ${answer.id} via ${answer.via}: ${answer.status} ${JSON.stringify(answer.answer)}`;
    await refresh();
  } catch (error) {
    $('#trigger-result').textContent = `✖ ${error.message}`;
  } finally {
    button.disabled = false;
  }
});

$('#event-resend').addEventListener('click', async () => {
  if (!state.eventId || !state.detail) return;
  try {
    const answer = await postJson(`/_local/events/${encodeURIComponent(state.eventId)}/resend`);
    $('#trigger-result').textContent = `↻ resent ${answer.id}: ${answer.status} ${JSON.stringify(answer.answer)}`;
    await refresh();
  } catch (error) {
    $('#trigger-result').textContent = `✖ ${error.message}`;
  }
});

$('#dlq-redrive').addEventListener('click', async () => {
  $('#dlq-redrive').disabled = true;
  try {
    const summary = await postJson('/_local/dead-letters/redrive');
    $('#dlq-result').textContent =
      `Moved ${summary.moved} message(s) back to the queue; ${summary.failed} could not be moved.`;
    await refresh();
  } catch (error) {
    $('#dlq-result').textContent = `✖ ${error.message}`;
  }
});

$('#customer-sync').addEventListener('click', syncCustomerNow);

$('#customer-open').addEventListener('submit', (submit) => {
  submit.preventDefault();
  const id = $('#customer-open-id').value.trim();
  if (id) location.hash = customerPath(id, null);
});

$('#filter-type').addEventListener('input', renderEvents);
$('#filter-status').addEventListener('change', renderEvents);
window.addEventListener('hashchange', route);
loadTypes().catch(() => undefined);
route();
setInterval(refresh, 1000);
