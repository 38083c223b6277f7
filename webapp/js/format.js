/*
 * Formatting for people: sizes, durations, dates, sentences. No DOM: the client's messages use
 * it too.
 *
 * Sizes are in powers of 1024 and say so (KiB, MiB, GiB), like the server's defaults (5 GiB
 * files, 16 MiB parts): "MB" for 1,048,576 bytes would be off by 5% at MB and 10% at TB. A limit
 * the server states in its own words (maxFileSizeText: "20 MB") is shown as it is.
 */

const SIZE_UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/** 512 B, 1.5 KiB, 2.5 MiB, 120 MiB, 5 GiB. */
export function formatSize(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  // 1023.6 KiB would print as "1024 KiB": such values move up to "1 MiB" instead.
  while (value >= 1023.5 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // One decimal while it matters (1.5 MiB), none for large numbers (120 MiB); never "2.0".
  const text = value < 100 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
  return `${text} ${SIZE_UNITS[unit]}`;
}

/** "12 s", "3 min", "1 h 5 min". */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** "1 part", "3 parts". */
export function count(n, one, many = `${one}s`) {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** Server messages may lack a final stop; text that follows them needs one. */
export function sentence(text) {
  const trimmed = String(text).trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? "") : dateFormat.format(date);
}
