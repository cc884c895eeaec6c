import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { AppInfo, Preferences } from "./bindings";

const INFO: AppInfo = {
  name: "Repository Connections",
  version: "9.8.7",
  os: "linux",
  arch: "x86_64",
  keychain: "secret-service",
  keychainName: "Secret Service (GNOME Keyring / KWallet)",
  dataDir: "/home/u/.local/share/repoconn",
};

type Calls = Array<{ cmd: string; args: unknown }>;

/** Answers IPC like the Rust side: the given preferences, and `setPreferences` echoes or fails. */
function backend(preferences: Preferences, failSave?: { code: string; message: string }): Calls {
  const calls: Calls = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_info":
        return INFO;
      case "get_preferences":
        return preferences;
      case "set_preferences":
        if (failSave) throw failSave;
        return (args as { preferences: Preferences }).preferences;
      default:
        throw `command ${cmd} not found`;
    }
  });
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
  delete document.documentElement.dataset.theme;
});

describe("the main window", () => {
  it("shows the heading, an empty state and what the core reports about this build", async () => {
    backend({ theme: "system" });
    render(App);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Repository Connections");
    expect(screen.getByRole("heading", { name: "No connections yet" })).toBeTruthy();
    expect((await screen.findByTestId("version")).textContent).toBe("Version 9.8.7");
    expect(screen.getByTestId("keychain").textContent).toContain("Secret Service (GNOME Keyring / KWallet)");
  });

  it("applies the saved theme on start", async () => {
    backend({ theme: "dark" });
    render(App);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    expect((screen.getByLabelText("Theme") as HTMLSelectElement).value).toBe("dark");
  });

  it("saves a new theme through the set_preferences command", async () => {
    const calls = backend({ theme: "system" });
    render(App);
    await screen.findByTestId("version");
    await fireEvent.change(screen.getByLabelText("Theme"), { target: { value: "light" } });
    await waitFor(() => expect(calls.some((c) => c.cmd === "set_preferences")).toBe(true));
    expect(calls.find((c) => c.cmd === "set_preferences")?.args).toEqual({ preferences: { theme: "light" } });
    expect(document.documentElement.dataset.theme).toBe("light");
  });

  it("keeps the previous theme and says why when saving fails", async () => {
    backend({ theme: "dark" }, { code: "preferences_not_saved", message: "The disk is full." });
    render(App);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    await fireEvent.change(screen.getByLabelText("Theme"), { target: { value: "light" } });
    expect((await screen.findByRole("alert")).textContent).toBe("The disk is full.");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect((screen.getByLabelText("Theme") as HTMLSelectElement).value).toBe("dark");
  });

  it("explains when the app cannot read its own settings", async () => {
    mockIPC(() => {
      throw "no such command";
    });
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("could not read its own settings");
  });
});
