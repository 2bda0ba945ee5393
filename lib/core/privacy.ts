/**
 * Personal data never leaves a probe unmasked: the test patient's CPR appears in launch URLs
 * and API paths, and would otherwise reach logs, the metric store, alarms and reports.
 */

// Ten digits standing alone (not inside a longer number) whose first six form a plausible
// DDMMYY date: what a CPR number looks like in a URL, a path or a message.
const CPR = /(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(\d{2})-?(\d{4})(?!\d)/g;

/** Replaces every CPR-like number in `text` with its masked form `DDMMYY-xxxx`. */
export function maskCpr(text: string): string {
  return text.replace(CPR, (_m, dd: string, mm: string, yy: string) => `${dd}${mm}${yy}-xxxx`);
}

/** A deep copy of `value` with every string masked. */
export function redact<T>(value: T): T {
  if (typeof value === 'string') return maskCpr(value) as T;
  if (Array.isArray(value)) return value.map((v) => redact(v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redact(v)])) as T;
  }
  return value;
}
