// The Suppressions view: the addresses SES reported as bounced or complaining, never emailed again until removed.

import { $, element, eventLink, poll, postJson, state, timeElement } from './core.js';

export function renderSuppressions() {
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
    await poll.now();
  } catch (error) {
    $('#suppressions-result').textContent = `✖ ${error.message}`;
  }
}
