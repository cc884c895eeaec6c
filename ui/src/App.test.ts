import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { installMockBackend } from "./mock/backend";

afterEach(() => {
  cleanup();
  clearMocks();
  delete document.documentElement.dataset.theme;
});

describe("the main window", () => {
  it("shows the heading, the empty state and what the core reports about this build", async () => {
    installMockBackend();
    render(App);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Repository Connections");
    expect(await screen.findByRole("heading", { name: "No connections yet" })).toBeTruthy();
    expect((await screen.findByTestId("version")).textContent).toBe("Version 0.1.0");
    expect(screen.getByTestId("keychain").textContent).toContain("Secret Service (GNOME Keyring / KWallet)");
  });

  it("applies the saved theme on start", async () => {
    installMockBackend({ theme: "dark" });
    render(App);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    expect((screen.getByLabelText("Theme") as HTMLSelectElement).value).toBe("dark");
  });

  it("saves a new theme through the set_preferences command", async () => {
    const state = installMockBackend();
    render(App);
    await screen.findByTestId("version");
    await fireEvent.change(screen.getByLabelText("Theme"), { target: { value: "light" } });
    await waitFor(() => expect(state.theme).toBe("light"));
    expect(state.calls.find((c) => c.cmd === "set_preferences")?.args).toEqual({
      preferences: { theme: "light" },
    });
    expect(document.documentElement.dataset.theme).toBe("light");
  });

  it("keeps the previous theme and says why when saving fails", async () => {
    mockIPC((cmd) => {
      if (cmd === "set_preferences")
        throw { code: "preferences_not_saved", message: "The disk is full.", fix: "" };
      if (cmd === "get_preferences") return { theme: "dark" };
      if (cmd === "list_connections") return [];
      if (cmd === "form_options") return { providers: [], profiles: [] };
      if (cmd === "saved_health") return { orphan_secrets: [], missing_secrets: [] };
      return { name: "Repository Connections", version: "0.1.0", keychainName: "Secret Service" };
    });
    render(App);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    await fireEvent.change(screen.getByLabelText("Theme"), { target: { value: "light" } });
    expect((await screen.findByRole("alert")).textContent).toBe("The disk is full.");
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("explains when the app cannot read its own settings", async () => {
    mockIPC(() => {
      throw "no such command";
    });
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("could not read its own settings");
  });

  it("shows why connections cannot be added when the core cannot give the form's options", async () => {
    const state = installMockBackend();
    const internals = (
      window as unknown as { __TAURI_INTERNALS__: { invoke: (cmd: string, ...rest: unknown[]) => unknown } }
    ).__TAURI_INTERNALS__;
    const answer = internals.invoke;
    internals.invoke = (cmd, ...rest) =>
      cmd === "form_options"
        ? Promise.reject({
            code: "data_dir_unavailable",
            message: "There is no folder for the app's data.",
            fix: "Set XDG_DATA_HOME.",
          })
        : answer(cmd, ...rest);
    render(App);
    expect((await screen.findByTestId("options-problem")).textContent).toContain(
      "There is no folder for the app's data. Set XDG_DATA_HOME.",
    );
    expect(await screen.findByRole("heading", { name: "No connections yet" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Add connection" })).toBeNull();
    expect(state.calls.some((c) => c.cmd === "list_connections")).toBe(true);
  });

  it("explains a keychain problem when listing connections", async () => {
    installMockBackend();
    mockIPC((cmd) => {
      if (cmd === "list_connections") {
        throw {
          code: "keychain_unavailable",
          message: "The Secret Service cannot be reached.",
          fix: "Start gnome-keyring.",
        };
      }
      if (cmd === "get_preferences") return { theme: "system" };
      if (cmd === "form_options") return { providers: [], profiles: [] };
      if (cmd === "saved_health") return { orphan_secrets: [], missing_secrets: [] };
      return { name: "Repository Connections", version: "0.1.0", keychainName: "Secret Service" };
    });
    render(App);
    expect((await screen.findByRole("alert")).textContent).toBe(
      "The Secret Service cannot be reached. Start gnome-keyring.",
    );
  });
});
