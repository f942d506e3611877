// What every view of the console shares: the state the poll fills, DOM building (textContent only, never
// innerHTML, so nothing in an event can inject markup), the JSON calls and how times are shown.

export const $ = (selector) => document.querySelector(selector);
export const state = {
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

export function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

/** A GET whose error answer matters too (a customer not synced yet is a 404 with what to do). */
export async function getAnswer(path) {
  const response = await fetch(path, { cache: 'no-store' });
  const body = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, body };
}

export async function postJson(path, body, method = 'POST') {
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
export const dateTime = (iso) =>
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
export const timeElement = (iso) => element('time', { dateTime: iso ?? '', textContent: dateTime(iso) });
export const statusBadge = (status) => element('span', { class: `status ${status}`, textContent: status });
export function eventLink(eventId) {
  return element('a', { href: `#/events/${encodeURIComponent(eventId)}`, class: 'id', textContent: eventId });
}

/** The poll, which app.js sets: a view calls `poll.now()` after an action (a redrive, a removal, a sync). */
export const poll = { now: async () => {} };
