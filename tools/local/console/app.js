// The local console: polls the pipeline's JSON under /_local/ once a second and renders it, one module per view
// (core.js holds what they share). Routes by the location's hash; emails render in a sandboxed iframe.

import { refreshAlerts } from './alerts-view.js';
import { $, element, getAnswer, getJson, poll, postJson, state } from './core.js';
import { refreshCustomers } from './customers-view.js';
import { renderDeadLetters } from './dead-letters-view.js';
import { refreshDeliveries } from './deliveries-view.js';
import { forgetRenderedEmails, renderDetail, renderEvents } from './events-view.js';
import { renderSuppressions } from './suppressions-view.js';

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
    forgetRenderedEmails();
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

$('#filter-type').addEventListener('input', renderEvents);
$('#filter-status').addEventListener('change', renderEvents);
poll.now = refresh;
window.addEventListener('hashchange', route);
loadTypes().catch(() => undefined);
route();
setInterval(refresh, 1000);
