/** How numbers, times and durations read on the dashboard. */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** `1234567` → `1,234,567`; null/undefined → `–`. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : integer.format(n);
}

/** A rate per second: `12.5/s`. */
export function formatRate(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : `${decimal.format(n)}/s`;
}

/** A duration in ms: `850 ms`, `12.3 s`, `4.0 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (Math.abs(ms) < 1000) return `${integer.format(ms)} ms`;
  if (Math.abs(ms) < 120_000) return `${decimal.format(ms / 1000)} s`;
  if (Math.abs(ms) < 7_200_000) return `${decimal.format(ms / 60_000)} min`;
  return `${decimal.format(ms / 3_600_000)} h`;
}

/** Bytes: `512 B`, `3.4 KiB`, `1.2 MiB`. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? integer.format(value) : decimal.format(value)} ${units[unit]}`;
}

/** Epoch ms as a UTC time of day (with the date when it is not today). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const iso = new Date(ms).toISOString();
  const today = new Date().toISOString().slice(0, 10);
  return iso.slice(0, 10) === today ? `${iso.slice(11, 23)}Z` : `${iso.slice(0, 10)} ${iso.slice(11, 23)}Z`;
}

/** An event-time watermark: a time, `+∞` at end of input, `–` before every input has reported. */
export function formatWatermark(w: number | null | "+inf" | undefined): string {
  if (w === "+inf") return "+∞ (ended)";
  return formatTime(w);
}

/** Any cell value as short text: numbers formatted, objects as JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : decimal.format(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
