/* global document */
// Numbers and times as the dashboard shows them: en-US grouping, UTC times.

export const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
export const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** `2024-09-18T14:00:00.000Z` as `2024-09-18 14:00:00.000` (the milliseconds only when not 0). */
export function utc(iso) {
  if (iso === null || iso === undefined) return '–';
  const text = iso.replace('T', ' ').replace('Z', '');
  return text.endsWith('.000') ? text.slice(0, -4) : text;
}

/** Writes a number into a tile: its text, and the raw value in data-value for tests and tools. */
export function showNumber(el, value, format = integer) {
  el.dataset.value = value === null || value === undefined ? '' : String(value);
  el.textContent = value === null || value === undefined ? '–' : format.format(value);
}

/** Appends a cell with `text` (never HTML) to a table row. */
export function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** A cell holding a button (keyboard-operable, unlike a clickable row). */
export function buttonCell(row, text, label, onClick, className) {
  const td = row.insertCell();
  if (className) td.className = className;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link';
  button.textContent = text;
  button.setAttribute('aria-label', label);
  button.addEventListener('click', onClick);
  td.append(button);
  return button;
}
