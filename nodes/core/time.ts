const pad = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS` in the runtime's time zone. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local time of day, with the date when it is not today. */
export function formatUntil(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const time = formatTime(ms);
  if (new Date(now).toDateString() === d.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** `YYYY-MM-DD HH:MM` in the runtime's time zone. */
export function formatLocal(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The longest delay `setTimeout` keeps; a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
