// Display formatting for exact integer money. Never sums floats.

const NANO = 1_000_000_000;

/** nano-USD → "$0.009975" (exact, at least 2 decimals). */
export function usd(nano: number): string {
  const neg = nano < 0;
  const abs = Math.abs(Math.trunc(nano));
  const whole = Math.floor(abs / NANO);
  let frac = String(abs % NANO).padStart(9, "0");
  while (frac.length > 2 && frac.endsWith("0")) frac = frac.slice(0, -1);
  return `${neg ? "−" : ""}$${whole.toLocaleString("en-US")}.${frac}`;
}

/** A run's cost: exact USD, or "unpriced" when its model has no price (null: unknown, never $0). */
export function runCost(nano: number | null): string {
  return nano === null ? "unpriced" : usd(nano);
}

/** nano-USD per 1M tokens → "$2.50" (at least 2 decimals), or "—". */
export function rate(nanoPerM: number | null | undefined): string {
  if (nanoPerM === null || nanoPerM === undefined) return "—";
  return usd(nanoPerM);
}

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Context window → "128k", "1.05M", "—". */
export function context(n: number | null | undefined): string {
  if (!n) return "—";
  if (n >= 1_000_000) return `${Number((n / 1_000_000).toFixed(2))}M`;
  if (n >= 1000) return `${Math.floor(n / 1000)}k`;
  return String(n);
}

/** USD per 1M tokens as an editable string: 2500000000 → "2.5". */
export function rateInput(nanoPerM: number | null | undefined): string {
  if (nanoPerM === null || nanoPerM === undefined) return "";
  return usd(nanoPerM).replace("$", "").replace(/,/g, "").replace(/\.?0+$/, "") || "0";
}

/** ms since the epoch → "2026-11-21 14:03" in local time, or "never". */
// Dates and times as the system's locale writes them (the UI's language is the OS's).
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const dayMonthTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });

/** A moment, in the system's locale ("Nov 30, 2026, 6:21 PM" in en-US). */
export function when(ms: number | null | undefined): string {
  if (!ms) return "never";
  return dateTime.format(new Date(ms));
}

/** A time of day in the system's locale ("6:21 PM"). */
export function clock(ms: number | null | undefined): string {
  return ms ? timeOnly.format(new Date(ms)) : "";
}

/** A moment this year, without the year ("Nov 30, 6:21 PM"). */
export function whenShort(ms: number): string {
  return dayMonthTime.format(new Date(ms));
}

/** `n noun` or `n nouns`, the number in the system's locale. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? noun : plural}`;
}

/** Plain-language lead for an error code. */
export function explain(code: string): string {
  switch (code) {
    case "invalid_key": return "The provider rejected this key.";
    case "permission_denied": return "This key has no access to that.";
    case "quota_exceeded": return "The account is out of credit or over its spend limit — check billing.";
    case "rate_limited": return "The provider is rate-limiting this key; try again shortly.";
    case "provider_unavailable": return "The provider is down or overloaded.";
    case "timeout": return "The provider did not answer in time.";
    case "network": return "Could not reach the provider.";
    case "keychain_unavailable": return "The system keychain is not available.";
    case "invalid_input": return "Check the form.";
    case "budget_exceeded": return "A budget stopped this run before it was sent.";
    case "not_writable": return "That place cannot be written to.";
    case "process_ended": return "PromptLedger ended while this request was in flight; the cost is estimated.";
    default: return "";
  }
}

/** nano-USD → a figure that fits: "$5,098.93" from $1 up, three significant digits below
 *  ("$0.00856", "$0.433"), "$0.00" for zero. Exact amounts stay in `usd()` (and tooltips). */
export function money(nano: number): string {
  const v = nano / NANO;
  const a = Math.abs(v);
  if (a === 0) return "$0.00";
  const sign = v < 0 ? "−" : "";
  if (a >= 1) return `${sign}$${a.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const digits = Math.min(9, Math.max(2, 2 - Math.floor(Math.log10(a))));
  return `${sign}$${a.toFixed(digits)}`;
}
