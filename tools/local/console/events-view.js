// The Events view and an event's page: what the pipeline did with each event, its emails and its payload.

import { $, dateTime, element, eventLink, state, statusBadge, timeElement } from './core.js';
import { renderEventDeliveries } from './deliveries-view.js';

const kindBadges = (event) => [
  event.payload === 'thin' ? element('span', { class: 'kind', textContent: 'thin' }) : null,
  event.delivery === 'eventbridge' ? element('span', { class: 'kind', textContent: 'EventBridge' }) : null,
];

export function renderEvents() {
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
/** After another event is opened: its emails are rendered anew. */
export function forgetRenderedEmails() {
  renderedEmails = '';
}

export function renderDetail() {
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
