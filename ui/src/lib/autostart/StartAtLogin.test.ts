import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { installMockBackend, savedApiToken } from "../../mock/backend";
import SavedNext from "../git/SavedNext.svelte";
import StartAtLogin from "./StartAtLogin.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const saved = (expiresOn: string | null) => savedApiToken("a1", "work", expiresOn);

describe("Start at login", () => {
  it("is offered once after saving a connection that expires, and turning it on says how to turn it off", async () => {
    const state = installMockBackend({});
    render(SavedNext, { props: { saved: saved("2027-03-31"), onBack: () => {} } });
    await fireEvent.click(await screen.findByRole("button", { name: "Start at login" }));
    expect(state.calls.filter((c) => c.cmd === "set_autostart")).toEqual([
      { cmd: "set_autostart", args: { enabled: true } },
    ]);
    await waitFor(() => expect(screen.getByTestId("autostart-on").textContent).toContain("Turn it off"));
    cleanup();
    // Answered: the next Saved screen does not ask again.
    render(SavedNext, { props: { saved: saved("2027-03-31"), onBack: () => {} } });
    await screen.findByTestId("autostart-on");
    expect(screen.queryByRole("button", { name: "Start at login" })).toBeNull();
  });

  it("No, thanks answers the offer without turning it on", async () => {
    const state = installMockBackend({});
    render(SavedNext, { props: { saved: saved("2027-03-31"), onBack: () => {} } });
    await fireEvent.click(await screen.findByRole("button", { name: "No, thanks" }));
    await waitFor(() => expect(state.autostart).toEqual({ enabled: false, offered: true }));
    await waitFor(() => expect(screen.queryByTestId("autostart-offer")).toBeNull());
    expect(state.calls.some((c) => c.cmd === "set_autostart")).toBe(false);
  });

  it("is not offered for a connection without an expiry date", async () => {
    const state = installMockBackend({});
    render(SavedNext, { props: { saved: saved(null), onBack: () => {} } });
    await screen.findByRole("heading", { name: "Saved “work”" });
    expect(state.calls.some((c) => c.cmd === "autostart_state")).toBe(false);
  });

  it("the footer's switch turns it off, asked for only after the delay", async () => {
    const state = installMockBackend({ autostart: { enabled: true, offered: true } });
    render(StartAtLogin, { props: { deferMs: 50 } });
    expect(state.calls.some((c) => c.cmd === "autostart_state")).toBe(false);
    const box = await screen.findByRole("checkbox", { name: "Start at login to remind me" });
    expect((box as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(box);
    await waitFor(() => expect(state.autostart).toEqual({ enabled: false, offered: true }));
  });
});
