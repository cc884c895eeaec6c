import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { installMockBackend, samples, SECRETS } from "../../mock/backend";
import { dateInDays } from "../ipc";

afterEach(() => {
  cleanup();
  clearMocks();
});

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

/** Adds a working Cloud API token named `name` through the open form. */
async function saveApiToken(name: string) {
  await type("Atlassian account email", "ada@example.com");
  await type("API token", SECRETS.good);
  await fireEvent.click(screen.getByRole("button", { name: "Test" }));
  await screen.findByRole("heading", { name: "It works" });
  await type("Connection name", name);
  await type("Expires on", dateInDays(200));
  await fireEvent.click(screen.getByRole("button", { name: "Save" }));
  await screen.findByRole("heading", { name: `Saved “${name}”` });
}

describe("Fix git for Bitbucket", () => {
  it("goes from a dead app password in git's store to git asking only the new token", async () => {
    const state = installMockBackend({ git: { storeHoldsAppPassword: true, setUp: [] } });
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Fix git for Bitbucket" }));
    await screen.findByRole("heading", { name: "Fix git for Bitbucket" });

    // The scan names what is broken, in the core's words.
    const cloud = await screen.findByRole("article", { name: "Bitbucket Cloud (bitbucket.org)" });
    expect(await within(cloud).findByText(/holds a credential for ada that does not work/)).toBeTruthy();
    expect(within(cloud).getByText(samples.problems.app_password_disabled.message)).toBeTruthy();
    expect(within(cloud).getByText(samples.warnings.plain_text_helper.message)).toBeTruthy();

    // No saved connection yet: the way out is a new API token, in the form, for Cloud.
    await fireEvent.click(within(cloud).getByRole("button", { name: "Create an API token for git" }));
    expect(await screen.findByRole("form", { name: "Add a connection" })).toBeTruthy();
    expect((screen.getByRole("radio", { name: /^API token/ }) as HTMLInputElement).checked).toBe(true);
    await saveApiToken("cloud");

    // Next step: git set up, the old credential listed and its erasure already agreed to.
    expect(await screen.findByRole("heading", { name: "Let git use “cloud”" })).toBeTruthy();
    expect(
      await screen.findByText(/git config --global --add credential.https:\/\/bitbucket.org.helper ""/),
    ).toBeTruthy();
    const erase = screen.getByRole("checkbox", {
      name: /Also erase these old credentials/,
    }) as HTMLInputElement;
    expect(erase.checked).toBe(true);
    await fireEvent.click(screen.getByRole("button", { name: "Let git use “cloud”" }));
    expect((await screen.findByTestId("git-setup-done")).textContent).toContain(
      "Git now asks only “cloud” for https://bitbucket.org.",
    );
    expect(screen.getByText(/Erased the old credentials of store \(ada\)/)).toBeTruthy();
    const setUp = state.calls.find((c) => c.cmd === "git_set_up");
    expect(setUp?.args).toEqual({ name: "cloud", eraseOld: true });

    // A final scan shows everything ready.
    await fireEvent.click(screen.getByRole("button", { name: "Back to Fix git" }));
    expect((await screen.findByTestId("host-ready")).textContent).toContain(
      "git asks only your saved connection for bitbucket.org",
    );
  });

  it("offers git set-up after any save, and erases nothing unless the person ticks it", async () => {
    const state = installMockBackend({ git: { storeHoldsAppPassword: true, setUp: [] } });
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    await screen.findByRole("form", { name: "Add a connection" });
    await saveApiToken("work");
    expect(state.calls.some((c) => c.cmd === "git_setup_preview")).toBe(false);
    await fireEvent.click(screen.getByRole("button", { name: "Let git use this connection…" }));
    const erase = (await screen.findByRole("checkbox", {
      name: /Also erase these old credentials/,
    })) as HTMLInputElement;
    expect(erase.checked).toBe(false);
    expect(screen.getByText(/Your git: git version 2.47.3/)).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Let git use “work”" }));
    await screen.findByTestId("git-setup-done");
    expect(state.calls.find((c) => c.cmd === "git_set_up")?.args).toEqual({ name: "work", eraseOld: false });
    expect(state.git.storeHoldsAppPassword).toBe(true);
    // Undo, in the window: no terminal needed to put git's settings back.
    await fireEvent.click(screen.getByRole("button", { name: "Undo" }));
    expect((await screen.findByTestId("git-undone")).textContent).toContain("back as they were before");
    expect(state.git.setUp).toEqual([]);
    expect(await screen.findByRole("button", { name: "Let git use “work”" })).toBeTruthy();
  });

  it("shows the clone address of the connection's repository with a Copy button", async () => {
    installMockBackend();
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
    await screen.findByRole("form", { name: "Add a connection" });
    await fireEvent.click(screen.getByRole("radio", { name: /Repository access token/ }));
    await type("Workspace", "acme");
    await type("Repository", "models");
    await type("Token", SECRETS.accessToken);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    await type("Connection name", "models");
    await type("Expires on", dateInDays(200));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const address = (await screen.findByLabelText("Clone address")) as HTMLInputElement;
    expect(address.value).toBe("https://bitbucket.org/acme/models.git");
    expect(screen.getByRole("button", { name: "Copy" })).toBeTruthy();
  });
});

describe("the saved connections' health", () => {
  it("shows secrets of no connection with a Repair button, and missing secrets with what to do", async () => {
    const state = installMockBackend({ health: { orphan_secrets: ["conn-7"], missing_secrets: ["old"] } });
    render(App);
    const banner = await screen.findByTestId("health");
    expect(banner.textContent).toContain("“old” has no secret in the keychain: use its Edit button");
    expect(banner.textContent).toContain("One secret in the keychain belongs to no connection");
    await fireEvent.click(within(banner).getByRole("button", { name: "Repair: delete them" }));
    await waitFor(() => expect(state.calls.some((c) => c.cmd === "repair_saved")).toBe(true));
    await waitFor(() => expect(screen.getByTestId("health").textContent).not.toContain("One secret"));
  });
});
