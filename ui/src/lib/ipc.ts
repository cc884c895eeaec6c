import type { AppError } from "../bindings";

/** The message (and fix) of a failed command, whatever shape the failure took. */
export function describeError(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    const e = error as AppError;
    return e.fix ? `${e.message} ${e.fix}` : e.message;
  }
  return String(error);
}

/** Today plus `days`, as YYYY-MM-DD in local time (what a date input shows). */
export function dateInDays(days: number, today: Date = new Date()): string {
  const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
