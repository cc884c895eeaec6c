// As soon as the Data Center server says its version, the ways it cannot issue are greyed out with
// the reason, and a chosen way it cannot issue gives way to the best one it can.
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formOptions, installMockBackend, SERVERS } from "../../mock/backend";
import ConnectionForm from "../ConnectionForm.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const radio = (name: RegExp) => screen.getByRole("radio", { name }) as HTMLInputElement;

async function openOn(server: string) {
  render(ConnectionForm, { props: { options: formOptions, onDone: vi.fn() } });
  await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
  await fireEvent.input(screen.getByLabelText("Server address"), { target: { value: server } });
}

describe("the ways to connect on a Data Center server", () => {
  it("before the server answers, every token can be chosen and a personal token is", async () => {
    installMockBackend();
    render(ConnectionForm, { props: { options: formOptions, onDone: vi.fn() } });
    await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
    expect(radio(/^Personal HTTP access token/).checked).toBe(true);
    expect(radio(/^Repository HTTP access token/).disabled).toBe(false);
  });

  it("Bitbucket 5.4: tokens are greyed out with the reason, and the password is chosen", async () => {
    const state = installMockBackend();
    await openOn(SERVERS.old.url);
    await waitFor(() => expect(radio(/^Personal HTTP access token/).disabled).toBe(true));
    const personal = radio(/^Personal HTTP access token/);
    const reason = document.getElementById(personal.getAttribute("aria-describedby")!)!.textContent;
    expect(reason).toBe("Needs Bitbucket 5.5 or newer; this server runs 5.4.0.");
    expect(radio(/^Project HTTP access token/).disabled).toBe(true);
    expect(radio(/^Repository HTTP access token/).disabled).toBe(true);
    expect(radio(/^Username and password/).checked).toBe(true);
    expect(radio(/^Username and password/).disabled).toBe(false);
    // The core decided it, for this version.
    expect(state.calls.some((c) => c.cmd === "form_options" && c.args.serverVersion === "5.4.0")).toBe(true);
  });

  it("Bitbucket 7.10: project and repository tokens are greyed out, the personal token stays", async () => {
    installMockBackend();
    await openOn(SERVERS.before717.url);
    await waitFor(() => expect(radio(/^Repository HTTP access token/).disabled).toBe(true));
    expect(screen.getAllByText("Needs Bitbucket 7.17 or newer; this server runs 7.10.0.")).toHaveLength(2);
    expect(radio(/^Personal HTTP access token/).checked).toBe(true);
  });

  it("another address of a newer server brings them back", async () => {
    installMockBackend();
    await openOn(SERVERS.old.url);
    await waitFor(() => expect(radio(/^Personal HTTP access token/).disabled).toBe(true));
    await fireEvent.input(screen.getByLabelText("Server address"), {
      target: { value: "https://git.example.com/bitbucket" },
    });
    await waitFor(() => expect(radio(/^Personal HTTP access token/).disabled).toBe(false));
    expect(screen.queryByText(/Needs Bitbucket/)).toBeNull();
  });
});
