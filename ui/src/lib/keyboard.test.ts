import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { installMockBackend } from "../mock/backend";

afterEach(() => {
  cleanup();
  clearMocks();
  document.documentElement.style.fontSize = "";
});

const focusedId = () => document.activeElement?.id;

describe("the keyboard", () => {
  it("puts the focus on each screen's heading, and Escape goes back", async () => {
    installMockBackend();
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    await waitFor(() => expect(focusedId()).toBe("form-title"));
    await fireEvent.keyDown(window, { key: "Escape" });
    await screen.findByRole("heading", { name: "Connections" });
    await waitFor(() => expect(focusedId()).toBe("list-title"));
    await fireEvent.click(screen.getByRole("button", { name: "Fix git for Bitbucket" }));
    await waitFor(() => expect(focusedId()).toBe("git-fix-title"));
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(focusedId()).toBe("list-title"));
  });

  it("zooms with Ctrl+Plus, Ctrl+Minus and Ctrl+0", async () => {
    installMockBackend();
    render(App);
    await screen.findByRole("button", { name: "Add connection" });
    await fireEvent.keyDown(window, { key: "+", ctrlKey: true });
    await fireEvent.keyDown(window, { key: "+", ctrlKey: true });
    expect(document.documentElement.style.fontSize).toBe("125%");
    await fireEvent.keyDown(window, { key: "-", ctrlKey: true });
    expect(document.documentElement.style.fontSize).toBe("110%");
    await fireEvent.keyDown(window, { key: "0", ctrlKey: true });
    expect(document.documentElement.style.fontSize).toBe("");
  });
});
