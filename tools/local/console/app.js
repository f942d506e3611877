// The local console: polls the pipeline's JSON under /_local/ once a second and renders it with the DOM API only
// (textContent, never innerHTML, so nothing in an event can inject markup). Emails render in a sandboxed iframe.

const $ = (selector) => document.querySelector(selector);
const state = { events: [], deadLetters: [], suppressions: [], detail: null, view: 'events', eventId: null };

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

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '');
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
      element('td', { textContent: time(e.receivedAt) }),
      element('td', { textContent: e.type }),
      element('td', { class: 'id', textContent: e.id }),
      element('td', {}, statusBadge(e.status)),
      element('td', { textContent: String(e.attempts) }),
      element('td', { textContent: String(e.deliveries) }),
      element('td', {}, ...kindBadges(e)),
    ),
  );
  $('#events tbody').replaceChildren(...rows);
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
          ? `the address is on the suppression list${entry ? ` (${entry.reason}, ${entry.detail}, since ${time(entry.at)})` : ''}`
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
        `⊘ SES reported a ${entry.reason} (${entry.detail}) for this event's email to ${entry.address}: suppressed since ${time(entry.at)}`,
      ),
    );
  }
  $('#event-suppressions').replaceChildren(...notes);
}

let renderedEmails = '';
function renderDetail() {
  const detail = state.detail;
  if (!detail) return;
  const { event } = detail;
  $('#event-title').replaceChildren(`${event.type} `, statusBadge(event.status));
  $('#event-meta').replaceChildren(
    element('code', { textContent: event.id }),
    ` · first seen ${time(event.receivedAt)} · ${event.attempts} attempt(s) · ${event.deliveries} deliver${event.deliveries === 1 ? 'y' : 'ies'} · `,
    event.payload === 'thin' ? 'thin event' : 'snapshot event',
    event.delivery === 'eventbridge' ? ' via EventBridge' : ' via webhook',
  );
  $('#event-steps').replaceChildren(
    ...detail.steps.map((s) =>
      element('li', { 'data-outcome': s.outcome }, element('time', { textContent: time(s.at) }), s.message),
    ),
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
        element('td', { textContent: time(d.sentAt) }),
        element('td', { textContent: d.eventType ?? '?' }),
        element('td', { class: 'id', textContent: d.eventId ?? '?' }),
        // The consumer's attempts from the event log: SQS's receive count also counts this page's own peeks.
        element('td', { textContent: String(state.events.find((e) => e.id === d.eventId)?.attempts ?? '?') }),
        element('td', { class: 'id', textContent: d.messageId }),
      ),
    ),
  );
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
        element('td', { textContent: time(s.at) }),
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

function route() {
  const match = /^#\/events\/(.+)$/.exec(location.hash);
  const named = { '#/dead-letters': 'dead-letters', '#/suppressions': 'suppressions' };
  state.view = match ? 'event' : (named[location.hash] ?? 'events');
  const eventId = match ? decodeURIComponent(match[1]) : null;
  if (eventId !== state.eventId) {
    state.detail = null;
    renderedEmails = '';
    $('#event-emails').replaceChildren();
  }
  state.eventId = eventId;
  $('#view-events').hidden = state.view !== 'events';
  $('#view-event').hidden = state.view !== 'event';
  $('#view-dead-letters').hidden = state.view !== 'dead-letters';
  $('#view-suppressions').hidden = state.view !== 'suppressions';
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
    renderEvents();
    renderDeadLetters();
    // On its own: the table can be missing for a while (the browser test deletes it), and the rest still shows.
    const suppressions = await getJson('/_local/suppressions').catch(() => null);
    if (suppressions) {
      state.suppressions = suppressions;
      renderSuppressions();
    }
    if (state.eventId) {
      state.detail = await getJson(`/_local/events/${encodeURIComponent(state.eventId)}`).catch(() => null);
      renderDetail();
    }
    document.body.dataset.connected = 'true';
  } catch {
    document.body.dataset.connected = 'false';
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
  if (!state.eventId) return;
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

$('#filter-type').addEventListener('input', renderEvents);
$('#filter-status').addEventListener('change', renderEvents);
window.addEventListener('hashchange', route);
loadTypes().catch(() => undefined);
route();
setInterval(refresh, 1000);
