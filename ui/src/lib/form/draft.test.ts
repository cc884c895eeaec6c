// Late answers: the core's answers can come back out of order. Whatever the order, the form shows
// the answer to the newest request, made from what the form holds now.
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formOptions, installMockBackend, SECRETS, SERVERS, view } from "../../mock/backend";
import ConnectionForm from "../ConnectionForm.svelte";
import { plainDate } from "./draft.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

type Invoke = (cmd: string, args?: unknown, options?: unknown) => Promise<unknown>;
interface Held {
  args: Record<string, unknown>;
  /** Lets the mock backend answer now. */
  release: () => Promise<void>;
}

/** Holds the mock backend's answers to `cmd` until the test releases them, in the order it wants. */
function holdAnswers(cmd: string): Held[] {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__;
  const answer = internals.invoke;
  const held: Held[] = [];
  internals.invoke = (name, args, options) => {
    if (name !== cmd) return answer(name, args, options);
    return new Promise((resolve, reject) => {
      held.push({
        args: args as Record<string, unknown>,
        release: () => answer(name, args, options).then(resolve, reject),
      });
    });
  };
  return held;
}

/** Lets every answer released so far reach the page. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function openForm() {
  render(ConnectionForm, { props: { options: formOptions, onDone: vi.fn() } });
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

describe("answers that arrive late", () => {
  it("secret hints: a slow answer about an earlier paste does not overwrite the newer one", async () => {
    installMockBackend();
    const inspections = holdAnswers("inspect_secret");
    openForm();
    await type("API token", SECRETS.accessToken);
    await waitFor(() => expect(inspections).toHaveLength(1));
    await type("API token", SECRETS.good);
    await waitFor(() => expect(inspections).toHaveLength(2));
    await inspections[1].release();
    expect(await screen.findByText("Looks like an Atlassian API token.")).toBeTruthy();
    await inspections[0].release();
    await settle();
    expect(screen.getByText("Looks like an Atlassian API token.")).toBeTruthy();
    expect(screen.queryByText(/looks like a Bitbucket Cloud access token/)).toBeNull();
  });

  it("Generate link: the checklist of an earlier choice does not replace the current one", async () => {
    installMockBackend();
    const links = holdAnswers("credential_link");
    openForm();
    await waitFor(() => expect(links).toHaveLength(1));
    await fireEvent.change(screen.getByLabelText("What it must allow"), { target: { value: "read-only" } });
    await waitFor(() => expect(links).toHaveLength(2));
    expect(links.map((l) => (l.args.input as { profile: string }).profile)).toEqual([
      "pull-requests",
      "read-only",
    ]);
    await links[1].release();
    const list = (await screen.findByRole("heading", { name: "Scopes to tick" })).parentElement!;
    expect(within(list).getAllByRole("listitem")).toHaveLength(4);
    await links[0].release();
    await settle();
    expect(within(list).getAllByRole("listitem")).toHaveLength(4);
  });

  it("server check: the version of an address typed earlier is not shown for the current one", async () => {
    installMockBackend();
    const inspections = holdAnswers("inspect_server");
    openForm();
    await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
    await type("Server address", "https://old.example.com/bitbucket");
    await waitFor(() => expect(inspections).toHaveLength(1));
    await type("Server address", "https://git.example.com/bitbucket");
    await waitFor(() => expect(inspections).toHaveLength(2));
    await inspections[1].release();
    expect(await screen.findByText("https://git.example.com/bitbucket")).toBeTruthy();
    await inspections[0].release();
    await settle();
    expect(screen.getByText("https://git.example.com/bitbucket")).toBeTruthy();
    expect(screen.queryByText("https://old.example.com/bitbucket")).toBeNull();
  });

  it("server version: what an earlier server could not issue is not greyed out for the current one", async () => {
    installMockBackend();
    const versions = holdAnswers("form_options");
    openForm();
    await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
    await type("Server address", SERVERS.old.url);
    await waitFor(() => expect(versions).toHaveLength(1));
    await type("Server address", "https://git.example.com/bitbucket");
    await waitFor(() => expect(versions).toHaveLength(2));
    expect(versions.map((v) => v.args.serverVersion)).toEqual(["5.4.0", "9.2.1"]);
    await versions[1].release();
    await versions[0].release();
    await settle();
    const personal = screen.getByRole("radio", { name: /^Personal HTTP access token/ }) as HTMLInputElement;
    expect(personal.disabled).toBe(false);
    expect(personal.checked).toBe(true);
    expect(screen.queryByText(/Needs Bitbucket/)).toBeNull();
  });

  it("check: the report on a secret that was replaced meanwhile is dropped", async () => {
    installMockBackend();
    const checks = holdAnswers("check_credential");
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(checks).toHaveLength(1));
    // Another secret while the first is checked: that check no longer counts.
    await type("API token", SECRETS.missingScopes);
    expect(screen.getByRole("status").textContent).toBe("Check cancelled.");
    expect(screen.queryByRole("progressbar")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(checks).toHaveLength(2));
    await checks[1].release();
    expect(await screen.findByRole("heading", { name: "It does not work yet" })).toBeTruthy();
    // The first check's answer ("It works", for the secret no longer in the form) comes last.
    await checks[0].release();
    await settle();
    expect(screen.queryByRole("heading", { name: "It works" })).toBeNull();
    expect(screen.getByRole("status").textContent).toBe("Check finished: 1 problem.");
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("repositories: the list for an earlier check never shows, whichever answer comes first", async () => {
    installMockBackend();
    const reaches = holdAnswers("reach_repositories");
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.many);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(reaches).toHaveLength(1));
    expect(screen.getByText("Looking up repositories…")).toBeTruthy();
    // Another credential, checked before the first list arrives.
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(reaches).toHaveLength(2));
    await reaches[1].release();
    await screen.findByRole("listbox");
    expect(document.getElementById("reach-count")!.textContent!.trim()).toBe(
      "380 repositories in 2 workspaces.",
    );
    await reaches[0].release();
    await settle();
    expect(document.getElementById("reach-count")!.textContent!.trim()).toBe(
      "380 repositories in 2 workspaces.",
    );
    expect(within(screen.getByRole("listbox")).getAllByRole("option")[0].getAttribute("aria-setsize")).toBe(
      "380",
    );
  });

  it("repositories: a list that arrives after the credential changed is not shown for the new one", async () => {
    const state = installMockBackend();
    const reaches = holdAnswers("reach_repositories");
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.many);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(reaches).toHaveLength(1));
    await type("API token", SECRETS.good);
    await reaches[0].release();
    await settle();
    expect(screen.queryByRole("listbox")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(reaches).toHaveLength(2));
    expect(screen.getByText("Looking up repositories…")).toBeTruthy();
    expect(screen.queryByRole("listbox")).toBeNull();
    await reaches[1].release();
    await screen.findByRole("listbox");
    expect(document.getElementById("reach-count")!.textContent!.trim()).toBe(
      "380 repositories in 2 workspaces.",
    );
    expect(state.calls.filter((c) => c.cmd === "reach_repositories").map((c) => c.args.checkId)).toEqual([
      1, 2,
    ]);
  });

  it("repository search: the server's answer to an earlier search does not replace the newer one", async () => {
    installMockBackend();
    const reaches = holdAnswers("reach_repositories");
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.many);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(reaches).toHaveLength(1));
    await reaches[0].release();
    await screen.findByRole("listbox");
    await type("Find a repository", "zulu");
    await waitFor(() => expect(reaches).toHaveLength(2));
    await type("Find a repository", "zeta-corp/api-client-10");
    await waitFor(() => expect(reaches).toHaveLength(3));
    expect(reaches.map((r) => r.args.filter)).toEqual([null, "zulu", "zeta-corp/api-client-10"]);
    await reaches[2].release();
    await waitFor(() => expect(screen.queryByText(/Searching every repository/)).toBeNull());
    const shown = () =>
      within(screen.getByRole("listbox"))
        .getAllByRole("option")
        .map((o) => o.textContent!.trim().split(",")[0]);
    expect(shown().every((path) => path.startsWith("zeta-corp/api-client-10"))).toBe(true);
    await reaches[1].release();
    await settle();
    expect(shown().every((path) => path.startsWith("zeta-corp/api-client-10"))).toBe(true);
    expect(screen.queryByText(/zulu-telemetry/)).toBeNull();
  });

  it("default reviewers: those of a repository picked earlier do not replace the current one's", async () => {
    installMockBackend();
    const reviewers = holdAnswers("repository_reviewers");
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("listbox");
    const pick = async (path: string) => {
      await type("Find a repository", path);
      await fireEvent.click(within(screen.getByRole("listbox")).getAllByRole("option")[0]);
      await screen.findByRole("heading", { name: "It works" });
    };
    await pick("acme/models");
    await waitFor(() => expect(reviewers).toHaveLength(1));
    await pick("acme/api-service");
    await waitFor(() => expect(reviewers).toHaveLength(2));
    await reviewers[1].release();
    expect(await screen.findByText("No default reviewers for acme/api-service.")).toBeTruthy();
    await reviewers[0].release();
    await settle();
    expect(screen.getByText("No default reviewers for acme/api-service.")).toBeTruthy();
    expect(screen.queryByText(/Ada Lovelace, Grace Hopper/)).toBeNull();
  });
});

describe("editing a saved connection", () => {
  it("a saved password: says so with the day it was added, and Test checks it where it is kept", async () => {
    const server = "https://git.example.com/bitbucket";
    const saved = view({
      id: "7",
      name: "dc",
      provider: "data-center",
      base_url: server,
      method: "basic",
      email: null,
      bitbucket_username: "ada",
      git_username: "ada",
      workspace: null,
      project: null,
      repository: null,
      profile: "pull-requests",
      scopes: [],
      permission: "REPO_WRITE",
      server_version: "9.2.1",
      expires_on: null,
      created_at: "2025-03-03T08:30:00Z",
      validated_at: null,
      rejected_at: null,
      status: "valid",
      allow_http: false,
      ca_file: null,
      secret_key: "conn-7",
    });
    const state = installMockBackend({ connections: [saved], secrets: { dc: "a-saved-password" } });
    render(ConnectionForm, { props: { options: formOptions, editing: saved, onDone: vi.fn() } });
    expect(document.getElementById("secret-hint")!.textContent!.trim()).toBe(
      "A password is saved (added 3 March 2025). Type a new one only to replace it.",
    );
    await type("Project key", "PLAT");
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    // A password works with a catch (it opens the whole account): the verdict says so.
    expect(await screen.findByRole("heading", { name: "Works, with a catch" })).toBeTruthy();
    const check = state.calls.find((c) => c.cmd === "check_saved")!;
    expect(check.args).toMatchObject({ name: "dc", edits: { username: "ada" } });
    expect(JSON.stringify(state.calls)).not.toContain("a-saved-password");
  });

  it("formats a saved timestamp plainly", () => {
    expect(plainDate("2026-11-26T10:00:00Z")).toBe("26 November 2026");
    expect(plainDate("2027-01-05")).toBe("5 January 2027");
    expect(plainDate("not a date")).toBeNull();
    expect(plainDate("2027-13-05T00:00:00Z")).toBeNull();
  });
});
