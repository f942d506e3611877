// The Alerts view: the business alerts the pipeline recorded instead of sending them, the newest first.

import { $, element, eventLink, getAnswer, state, timeElement } from './core.js';

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

export async function refreshAlerts() {
  const answer = await getAnswer('/_local/alerts');
  state.alertsOff = answer.body?.error?.code === 'business_alerts_off';
  if (!answer.ok && !state.alertsOff) return; // keep what is shown
  state.alerts = answer.ok ? answer.body : [];
  renderAlerts();
}
