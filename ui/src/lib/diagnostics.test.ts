import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { DIAGNOSTICS_FILE, installMockBackend } from "../mock/backend";

afterEach(() => {
  cleanup();
  clearMocks();
});

async function pressSaveDiagnostics() {
  await fireEvent.click(await screen.findByRole("button", { name: "Save diagnostics…" }));
}

describe("Save diagnostics…", () => {
  it("writes the support bundle where the save dialog says and tells where", async () => {
    const state = installMockBackend();
    render(App);
    await pressSaveDiagnostics();
    const saved = await screen.findByTestId("diagnostics-saved");
    await waitFor(() => expect(saved.textContent).toContain(`Saved diagnostics to ${DIAGNOSTICS_FILE}`));
    expect(saved.textContent).toContain("no token, password or consumer secret");
    expect(saved.textContent).toContain("Attach this file to your request for help.");
    expect(state.calls.filter((c) => c.cmd === "save_diagnostics")).toHaveLength(1);
    expect(screen.queryByTestId("diagnostics-problem")).toBeNull();
  });

  it("says nothing when the dialog is closed without choosing", async () => {
    const state = installMockBackend({ diagnostics: null });
    render(App);
    await pressSaveDiagnostics();
    await waitFor(() => expect(state.calls.some((c) => c.cmd === "save_diagnostics")).toBe(true));
    await waitFor(() =>
      expect((screen.getByRole("button", { name: "Save diagnostics…" }) as HTMLButtonElement).disabled).toBe(
        false,
      ),
    );
    expect(screen.getByTestId("diagnostics-saved").textContent?.trim()).toBe("");
    expect(screen.queryByTestId("diagnostics-problem")).toBeNull();
  });

  it("shows why the file could not be written and what to do", async () => {
    installMockBackend({
      diagnostics: {
        error: {
          code: "diagnostics_not_saved",
          message: "The diagnostics could not be saved to /readonly/d.json: Permission denied.",
          fix: "Press Save diagnostics… again and choose a folder you can write to, such as your home folder.",
        },
      },
    });
    render(App);
    await pressSaveDiagnostics();
    const problem = await screen.findByTestId("diagnostics-problem");
    expect(problem.textContent).toContain("Permission denied.");
    expect(problem.textContent).toContain("Press Save diagnostics… again");
  });
});
