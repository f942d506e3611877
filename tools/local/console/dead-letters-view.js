// The Dead letters view: the events that failed every attempt, the last error of each, and Redrive.

import { $, element, poll, postJson, state, timeElement } from './core.js';

export function renderDeadLetters() {
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

$('#dlq-redrive').addEventListener('click', async () => {
  $('#dlq-redrive').disabled = true;
  try {
    const summary = await postJson('/_local/dead-letters/redrive');
    $('#dlq-result').textContent =
      `Moved ${summary.moved} message(s) back to the queue; ${summary.failed} could not be moved.`;
    await poll.now();
  } catch (error) {
    $('#dlq-result').textContent = `✖ ${error.message}`;
  }
});
