/** How the Web UI writes sizes and dates. Dates are sent as UTC and rewritten in the reader's local time by the page script. */
import { html, type Html } from './html.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** Relative to `now` in English ("3 minutes ago"); the page script keeps it fresh in the browser. */
export function relativeTime(time: number, now: number): string {
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return 'just now';
  const steps: [number, string][] = [[60, 'minute'], [3600, 'hour'], [86400, 'day'], [2592000, 'month'], [31536000, 'year']];
  let unit = 'minute';
  let size = 60;
  for (const [s, name] of steps) if (Math.abs(seconds) >= s) [size, unit] = [s, name];
  const n = Math.max(1, Math.round(Math.abs(seconds) / size));
  return seconds >= 0 ? `${n} ${unit}${n === 1 ? '' : 's'} ago` : `in ${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A `<time>` whose title is the exact UTC instant; `data-relative` asks the script to keep the words current. */
export function timeElement(time: number, now: number): Html {
  const iso = new Date(time).toISOString();
  return html`<time datetime="${iso}" title="${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}" data-relative>${relativeTime(time, now)}</time>`;
}
