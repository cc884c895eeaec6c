import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { CALENDAR_FOLDER, installMockBackend, savedApiToken as saved, SECRETS } from "../mock/backend";
import SavedNext from "./git/SavedNext.svelte";
import { dateInDays } from "./ipc";

afterEach(() => {
  cleanup();
  clearMocks();
});

const calendarButton = (name: string) =>
  screen.findByRole("button", { name: `Add to calendar: ${name}'s expiry` });

describe("Add to calendar", () => {
  it("is offered on each listed connection with an expiry date, and says where the file went", async () => {
    const state = installMockBackend({
      connections: [saved("a1", "work", "2027-03-31"), saved("b2", "forever", null)],
    });
    render(App);
    await fireEvent.click(await calendarButton("work"));
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe(
        `Saved the reminder to ${CALENDAR_FOLDER}/work-expires.ics: open it with your calendar.`,
      ),
    );
    expect(state.calls.filter((c) => c.cmd === "save_expiry_calendar")).toEqual([
      { cmd: "save_expiry_calendar", args: { name: "work" } },
    ]);
    // No date, nothing to put in a calendar: no button.
    await screen.findByRole("heading", { name: "forever" });
    expect(screen.queryByRole("button", { name: "Add to calendar: forever's expiry" })).toBeNull();
    expect(screen.getAllByRole("button", { name: /^Add to calendar/ })).toHaveLength(1);
  });

  it("says nothing when the save dialog is closed without choosing", async () => {
    const state = installMockBackend({ connections: [saved("a1", "work", "2027-03-31")], calendar: null });
    render(App);
    const button = (await calendarButton("work")) as HTMLButtonElement;
    await fireEvent.click(button);
    await waitFor(() => expect(state.calls.some((c) => c.cmd === "save_expiry_calendar")).toBe(true));
    await waitFor(() => expect(button.disabled).toBe(false));
    expect(screen.getByRole("status").textContent).toBe("");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows why the file could not be written and what to do", async () => {
    installMockBackend({
      connections: [saved("a1", "work", "2027-03-31")],
      calendar: {
        error: {
          code: "calendar_not_saved",
          message: "The reminder could not be saved to /readonly/work-expires.ics: Permission denied.",
          fix: "Press Add to calendar again and choose a folder you can write to, such as your home folder.",
        },
      },
    });
    render(App);
    await fireEvent.click(await calendarButton("work"));
    const problem = await screen.findByRole("alert");
    expect(problem.textContent).toContain("Permission denied.");
    expect(problem.textContent).toContain("Press Add to calendar again");
  });

  it("is offered on the Saved screen when the new connection has an expiry date", async () => {
    const state = installMockBackend();
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    // The form is a chunk loaded after the first paint: it may still be arriving.
    await fireEvent.input(await screen.findByLabelText("Atlassian account email"), {
      target: { value: "ada@example.com" },
    });
    await fireEvent.input(screen.getByLabelText("API token"), { target: { value: SECRETS.good } });
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    await fireEvent.input(screen.getByLabelText("Connection name"), { target: { value: "team work" } });
    await fireEvent.input(screen.getByLabelText("Expires on"), { target: { value: dateInDays(200) } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByRole("heading", { name: "Saved “team work”" });

    await fireEvent.click(await calendarButton("team work"));
    const said = screen.getByTestId("calendar-saved");
    await waitFor(() =>
      expect(said.textContent).toBe(
        `Saved the reminder to ${CALENDAR_FOLDER}/team-work-expires.ics: open it with your calendar.`,
      ),
    );
    expect(state.calls.filter((c) => c.cmd === "save_expiry_calendar")).toHaveLength(1);
    expect(screen.queryByTestId("calendar-problem")).toBeNull();
  });

  it("is not offered on the Saved screen of a connection without a date", async () => {
    installMockBackend();
    render(SavedNext, { props: { saved: saved("b2", "forever", null), onBack: () => {} } });
    await screen.findByRole("heading", { name: "Saved “forever”" });
    expect(screen.queryByRole("button", { name: /^Add to calendar/ })).toBeNull();
  });
});
