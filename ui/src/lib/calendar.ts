import { commands } from "../bindings";
import { describeError } from "./ipc";

/** What Add to calendar said: where the file went, or why not and what to do. */
export interface CalendarOutcome {
  saved: boolean;
  text: string;
}

/**
 * Saves connection `name`'s expiry as a calendar file. The system's save dialog opens on the Rust
 * side; the page gets only where the file went. `null` when the dialog was closed without choosing.
 */
export async function addToCalendar(name: string): Promise<CalendarOutcome | null> {
  const answer = await commands.saveExpiryCalendar(name);
  if (answer.status === "error") return { saved: false, text: describeError(answer.error) };
  if (answer.data === null) return null;
  return { saved: true, text: `Saved the reminder to ${answer.data}: open it with your calendar.` };
}
