// The Deliveries view: every request to /webhook and /_local/eventbridge, refused ones highlighted with what to fix.

import { $, element, eventLink, getJson, state, timeElement } from './core.js';

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
export function renderEventDeliveries() {
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

export async function refreshDeliveries() {
  deliveries.list = await getJson('/_local/deliveries');
  renderDeliveries();
  if (state.eventId) renderEventDeliveries();
}

$('#deliveries-filter').addEventListener('change', renderDeliveries);
