// The repository picker: after a Test that passed, what the credential reaches, searchable and
// usable with the keyboard alone; picking fills the form, tests again and is saved with it.
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConnectionView, FormOptions, Reach } from "../../bindings";
import { formOptions, installMockBackend, REACH_LIMIT, SECRETS, type MockState } from "../../mock/backend";
import ConnectionForm from "../ConnectionForm.svelte";
import { dateInDays } from "../ipc";

afterEach(() => {
  cleanup();
  clearMocks();
});

function openForm(options: FormOptions = formOptions) {
  const onDone = vi.fn<(saved: ConnectionView | null) => void>();
  render(ConnectionForm, { props: { options, onDone } });
  return onDone;
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const field = (label: string) => (screen.getByLabelText(label) as HTMLInputElement).value;
const calls = (state: MockState, cmd: string) => state.calls.filter((c) => c.cmd === cmd);
const countLine = () => text(document.getElementById("reach-count"));

/** An element's text in single spaces: an option reads "acme/api-client, Api Client, write". */
const text = (element: Element | null) => element?.textContent?.replace(/\s+/g, " ").trim() ?? "";
/** An option's "owner/slug". */
const pathText = (element: Element | null) => text(element).replace(/^✓ /, "").split(",")[0];
const options = (listbox: HTMLElement) => within(listbox).getAllByRole("option");
const active = (listbox: HTMLElement) =>
  text(document.getElementById(listbox.getAttribute("aria-activedescendant") ?? ""));
const activeId = (listbox: HTMLElement) => listbox.getAttribute("aria-activedescendant");
const key = (listbox: HTMLElement, name: string) => fireEvent.keyDown(listbox, { key: name });

/** Fills in a Cloud API token and presses Test; resolves to the picker's list once loaded. */
async function testCloud(secret: string = SECRETS.good) {
  await type("Atlassian account email", "ada@example.com");
  await type("API token", secret);
  await fireEvent.click(screen.getByRole("button", { name: "Test" }));
  await screen.findByRole("heading", { name: "It works" });
  return screen.findByRole("listbox", { name: "This credential can reach" });
}

/** The same with a Data Center personal token. */
async function testDataCenter() {
  await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
  await type("Server address", "https://git.example.com/bitbucket");
  await type("Token", SECRETS.good);
  await fireEvent.click(screen.getByRole("button", { name: "Test" }));
  await screen.findByRole("heading", { name: "It works" });
  return screen.findByRole("listbox", { name: "This credential can reach" });
}

type Invoke = (cmd: string, args?: unknown, options?: unknown) => Promise<unknown>;

/** Answers `cmd` with `answer`, which may ask the mock backend (installed already) for its own. */
function replaceAnswer(cmd: string, answer: (mocked: () => Promise<unknown>) => Promise<unknown>) {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__;
  const mocked = internals.invoke;
  internals.invoke = (name, args, options) =>
    name === cmd ? answer(() => mocked(name, args, options)) : mocked(name, args, options);
}

/** Finds a repository with the search box and clicks it. */
async function pickByClick(path: string) {
  await type("Find a repository", path);
  const listbox = screen.getByRole("listbox");
  await fireEvent.click(within(listbox).getByRole("option", { name: new RegExp(`^${path}\\s*,`) }));
}

describe("the repository picker", () => {
  it("appears only after a Test that passed", async () => {
    installMockBackend();
    openForm();
    expect(screen.queryByRole("heading", { name: "This credential can reach" })).toBeNull();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.missingScopes);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It does not work yet" });
    expect(screen.queryByRole("heading", { name: "This credential can reach" })).toBeNull();
    expect(screen.queryByRole("listbox")).toBeNull();
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect(await screen.findByText("Looking up repositories…")).toBeTruthy();
    expect(document.getElementById("reach-count")!.getAttribute("aria-live")).toBe("polite");
    expect(await screen.findByRole("listbox", { name: "This credential can reach" })).toBeTruthy();
    // Editing the credential hides it until the next Test.
    await type("API token", SECRETS.refused);
    expect(screen.queryByRole("heading", { name: "This credential can reach" })).toBeNull();
  });

  it("lists the repositories by workspace with the permission in words, and counts them", async () => {
    const state = installMockBackend();
    openForm();
    const listbox = await testCloud();
    expect(countLine()).toBe("380 repositories in 2 workspaces.");
    // The first 100 are rendered: all in acme, whose group label says how many it holds.
    expect(options(listbox)).toHaveLength(100);
    expect(within(listbox).getByRole("group", { name: "acme (230)" })).toBeTruthy();
    expect(within(listbox).getAllByRole("group")).toHaveLength(1);
    expect(text(options(listbox)[0])).toBe("acme/api-client, Api Client, write");
    const permissions = new Set(options(listbox).map((o) => text(o.querySelector(".reach-permission"))));
    expect(permissions).toEqual(new Set(["read", "write", "admin"]));
    expect(options(listbox).every((o) => o.getAttribute("aria-selected") === "false")).toBe(true);
    expect(options(listbox)[0].getAttribute("aria-setsize")).toBe("380");
    // The name is shown only when it differs from the slug.
    await type("Find a repository", "models");
    expect(text(within(screen.getByRole("listbox")).getByRole("option"))).toBe("acme/models, write");
    expect(calls(state, "reach_repositories").map((c) => c.args)).toEqual([{ checkId: 1, filter: null }]);
  });

  it("groups by project on Data Center", async () => {
    installMockBackend();
    openForm();
    const listbox = await testDataCenter();
    expect(countLine()).toBe("380 repositories in 2 projects.");
    expect(within(listbox).getByRole("group", { name: "DATA (150)" })).toBeTruthy();
    expect(pathText(options(listbox)[0])).toMatch(/^DATA\//);
  });

  it("filters as you type, by name or slug, whatever the letter case", async () => {
    const state = installMockBackend();
    openForm();
    await testCloud();
    await type("Find a repository", "MODELS");
    expect(options(screen.getByRole("listbox")).map(pathText)).toEqual(["acme/models"]);
    expect(screen.getByText("1 repository matches “MODELS”.")).toBeTruthy();
    await type("Find a repository", "billing worker");
    expect(options(screen.getByRole("listbox")).map(pathText)).toEqual([
      "acme/billing-worker",
      "lovelace-labs/billing-worker",
    ]);
    await type("Find a repository", "labs/billing-w");
    expect(options(screen.getByRole("listbox")).map(pathText)).toEqual(["lovelace-labs/billing-worker"]);
    await type("Find a repository", "no such thing");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(screen.getByText("0 repositories match “no such thing”.")).toBeTruthy();
    // The whole list was loaded: the server is not asked again.
    await pause(400);
    expect(calls(state, "reach_repositories")).toHaveLength(1);
  });

  it("moves with the arrow keys, Home, End, PageUp and PageDown, and jumps by type-ahead", async () => {
    installMockBackend();
    openForm();
    const listbox = await testCloud();
    expect(listbox.tabIndex).toBe(0);
    expect(activeId(listbox)).toBeNull();
    await fireEvent.focus(listbox);
    expect(active(listbox)).toBe("acme/api-client, Api Client, write");
    await key(listbox, "ArrowDown");
    expect(active(listbox)).toBe("acme/api-config, Api Config, write");
    await key(listbox, "ArrowUp");
    await key(listbox, "ArrowUp");
    expect(activeId(listbox)).toBe("reach-option-0");
    await key(listbox, "PageDown");
    expect(activeId(listbox)).toBe("reach-option-10");
    await key(listbox, "PageUp");
    expect(activeId(listbox)).toBe("reach-option-0");
    await key(listbox, "End");
    expect(activeId(listbox)).toBe("reach-option-379");
    expect(active(listbox)).toMatch(/^lovelace-labs\/web-/);
    await key(listbox, "ArrowDown");
    expect(activeId(listbox)).toBe("reach-option-379");
    await key(listbox, "Home");
    expect(activeId(listbox)).toBe("reach-option-0");
    // Type-ahead: "mo" reaches models; after a pause, typing starts afresh.
    for (const letter of "mod") await key(listbox, letter);
    expect(active(listbox)).toBe("acme/models, write");
    await pause(600);
    // One letter: the next option starting with it, after the active one.
    await key(listbox, "b");
    expect(active(listbox)).toMatch(/^lovelace-labs\/billing-/);
    const firstB = activeId(listbox);
    // The same letter again: the next one starting with it.
    await key(listbox, "b");
    expect(active(listbox)).toMatch(/^lovelace-labs\/billing-/);
    expect(activeId(listbox)).not.toBe(firstB);
    // Moving picks nothing.
    expect(options(listbox).every((o) => o.getAttribute("aria-selected") === "false")).toBe(true);
    expect(screen.getByRole("status").textContent).toBe("Check finished: it works.");
  });

  it("Enter picks: fills the fields, tests again and saves the repository with the connection", async () => {
    const state = installMockBackend();
    const onDone = openForm();
    const listbox = await testCloud();
    await fireEvent.focus(listbox);
    for (const letter of "models") await key(listbox, letter);
    await key(listbox, "Enter");
    expect(screen.getByRole("status").textContent).toBe("Checking acme/models…");
    expect(field("Workspace")).toBe("acme");
    expect(field("Repository")).toBe("models");
    await screen.findByRole("heading", { name: "It works" });
    expect(screen.getByRole("status").textContent).toBe("Check finished: it works.");
    const checks = calls(state, "check_credential");
    expect(checks).toHaveLength(2);
    expect(checks[1].args.request).toMatchObject({ workspace: "acme", repository: "models" });
    // The same credential: the list stays, with the pick selected, and is not asked for again.
    expect(screen.getByRole("listbox")).toBe(listbox);
    expect(pathText(within(listbox).getByRole("option", { selected: true }))).toBe("acme/models");
    expect(calls(state, "reach_repositories")).toHaveLength(1);
    expect(text(document.querySelector(".reach-selected"))).toBe("Default repository: acme/models");
    await type("Expires on", dateInDays(30));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(state.connections[0].connection).toMatchObject({ workspace: "acme", repository: "models" });
    expect(calls(state, "save_connection")[0].args.checkId).toBe(checks[1].args.checkId);
  });

  it("appears after a sign-in too: the tokens stay in Rust, and a pick checks them again", async () => {
    const state = installMockBackend();
    const onDone = openForm();
    await fireEvent.click(screen.getByRole("radio", { name: /^OAuth 2.0/ }));
    await type("OAuth consumer key", "consumerKey1");
    await type("OAuth consumer secret", "consumerSecret1");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in with Bitbucket" }));
    await screen.findByRole("heading", { name: "It works" });
    const listbox = await screen.findByRole("listbox", { name: "This credential can reach" });
    const signedIn = calls(state, "oauth_finish")[0].args.checkId;
    // Listed with the sign-in's check: no secret crosses from the page.
    expect(calls(state, "reach_repositories").map((c) => c.args)).toEqual([
      { checkId: signedIn, filter: null },
    ]);
    await pickByClick("acme/models");
    await screen.findByRole("heading", { name: "It works" });
    expect(field("Repository")).toBe("models");
    const again = calls(state, "check_signed_in");
    expect(again).toHaveLength(1);
    expect(again[0].args).toMatchObject({
      signedIn,
      request: expect.objectContaining({ workspace: "acme", repository: "models", secret: "" }),
    });
    // Neither a pasted-secret check nor a second sign-in.
    expect(calls(state, "check_credential")).toHaveLength(0);
    expect(calls(state, "oauth_begin")).toHaveLength(1);
    expect(screen.getByRole("listbox")).toBe(listbox);
    // A second pick checks the tokens the first pick's check holds now.
    await pickByClick("acme/archive");
    await waitFor(() => expect(calls(state, "check_signed_in")).toHaveLength(2));
    await screen.findByRole("heading", { name: "It works" });
    expect(calls(state, "check_signed_in")[1].args.signedIn).toBe(again[0].args.checkId);
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(state.connections[0].connection).toMatchObject({
      method: "oauth",
      workspace: "acme",
      repository: "archive",
    });
  });

  it("Space and a click pick too; on Data Center the project key is filled", async () => {
    const state = installMockBackend();
    openForm();
    const listbox = await testDataCenter();
    const first = pathText(options(listbox)[0]);
    await fireEvent.focus(listbox);
    await key(listbox, " ");
    await waitFor(() => expect(calls(state, "check_credential")).toHaveLength(2));
    expect(`${field("Project key")}/${field("Repository")}`).toBe(first);
    await screen.findByRole("heading", { name: "It works" });
    await pickByClick("PLAT/models");
    expect(screen.getByRole("status").textContent).toBe("Checking PLAT/models…");
    await screen.findByRole("heading", { name: "It works" });
    expect(field("Project key")).toBe("PLAT");
    expect(field("Repository")).toBe("models");
    expect(pathText(within(screen.getByRole("listbox")).getByRole("option", { selected: true }))).toBe(
      "PLAT/models",
    );
    expect(calls(state, "check_credential")[2].args.request).toMatchObject({
      project: "PLAT",
      repository: "models",
    });
  });

  it("shows the default reviewers for pull requests, none, or why they could not be read", async () => {
    const state = installMockBackend();
    openForm();
    await testCloud();
    await pickByClick("acme/models");
    expect(
      await screen.findByText("Default reviewers of acme/models: Ada Lovelace, Grace Hopper"),
    ).toBeTruthy();
    // Asked with the check that verified the repository.
    expect(calls(state, "repository_reviewers").map((c) => c.args)).toEqual([
      { checkId: calls(state, "check_credential")[1].args.checkId, owner: "acme", repository: "models" },
    ]);
    await pickByClick("acme/api-service");
    expect(await screen.findByText("No default reviewers for acme/api-service.")).toBeTruthy();
    await pickByClick("acme/archive");
    expect(await screen.findByText(/Default reviewers of acme\/archive: Bitbucket refused/)).toBeTruthy();
    expect(screen.getByText(/Ask an administrator of the repository/)).toBeTruthy();
  });

  it("does not look up reviewers for a read-only profile", async () => {
    const state = installMockBackend();
    openForm();
    await fireEvent.change(screen.getByLabelText("What it must allow"), { target: { value: "read-only" } });
    await testCloud();
    await pickByClick("acme/models");
    await waitFor(() => expect(calls(state, "check_credential")).toHaveLength(2));
    await screen.findByRole("heading", { name: "It works" });
    await pause(50);
    expect(calls(state, "repository_reviewers")).toHaveLength(0);
    expect(screen.queryByText(/default reviewers/i)).toBeNull();
  });

  it("a way to connect without a repository field only shows the pick", async () => {
    const state = installMockBackend();
    const noRepository = structuredClone(formOptions);
    const apiToken = noRepository.providers[0].methods[0];
    apiToken.fields = apiToken.fields.filter((f) => f.field !== "repository");
    openForm(noRepository);
    await testCloud();
    await pickByClick("lovelace-labs/billing-worker");
    expect(screen.getByRole("status").textContent).toBe("Picked lovelace-labs/billing-worker.");
    expect(field("Workspace")).toBe("lovelace-labs");
    expect(calls(state, "check_credential")).toHaveLength(1);
    expect(screen.getByText(/this way of connecting keeps no repository/)).toBeTruthy();
    expect(await screen.findByText("No default reviewers for lovelace-labs/billing-worker.")).toBeTruthy();
  });

  it("keeps the list for the same credential and loads it again for another", async () => {
    const state = installMockBackend();
    openForm();
    await testCloud();
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("listbox");
    expect(calls(state, "reach_repositories")).toHaveLength(1);
    await testCloud(SECRETS.many);
    await waitFor(() => expect(countLine()).toMatch(/^5,000 repositories/));
    expect(calls(state, "reach_repositories").map((c) => c.args.checkId)).toEqual([1, 3]);
  });

  it("says why the list could not be had, and what the core found wrong on the way", async () => {
    installMockBackend();
    const problem = { code: "rate_limited" as const, message: "Bitbucket is rate limiting.", fix: "Wait." };
    let failing = true;
    replaceAnswer("reach_repositories", (answer) =>
      failing
        ? Promise.reject({ code: "not_checked", message: "Not checked.", fix: "Press Test." })
        : answer().then((reach) => ({ ...(reach as Reach), problems: [problem] })),
    );
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await waitFor(() => expect(countLine()).toBe("Not checked. Press Test."));
    expect(screen.queryByRole("listbox")).toBeNull();
    // The next passed check asks again.
    failing = false;
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("listbox");
    expect(text(document.querySelector(".reach [data-code=rate_limited]"))).toBe(
      "Problem: Bitbucket is rate limiting. Fix: Wait.",
    );
  });
});

describe("with thousands of repositories", () => {
  it(`renders at most 300 of ${REACH_LIMIT.toLocaleString("en")} options, however far the keys go`, async () => {
    installMockBackend();
    openForm();
    const listbox = await testCloud(SECRETS.many);
    expect(countLine()).toBe("5,000 repositories in 2 workspaces, and more that are not listed.");
    expect(options(listbox)).toHaveLength(100);
    expect(options(listbox)[0].getAttribute("aria-setsize")).toBe("5000");
    await fireEvent.focus(listbox);
    await key(listbox, "End");
    expect(activeId(listbox)).toBe("reach-option-4999");
    expect(active(listbox)).toMatch(/^zeta-corp\//);
    expect(document.getElementById("reach-option-4999")!.getAttribute("aria-posinset")).toBe("5000");
    expect(options(listbox).length).toBeLessThanOrEqual(300);
    for (let i = 0; i < 150; i += 1) await key(listbox, "ArrowUp");
    expect(activeId(listbox)).toBe("reach-option-4849");
    expect(options(listbox).length).toBeLessThanOrEqual(300);
    await key(listbox, "Home");
    expect(options(listbox)).toHaveLength(100);
    for (let i = 0; i < 3; i += 1) {
      await fireEvent.click(screen.getByRole("button", { name: "Show more repositories" }));
    }
    expect(options(listbox)).toHaveLength(300);
    expect(screen.getByText("Showing 101–400 of 5,000")).toBeTruthy();
    // The active option is no longer rendered: it is not pointed at, and a key brings it back.
    expect(activeId(listbox)).toBeNull();
    await key(listbox, "ArrowDown");
    expect(activeId(listbox)).toBe("reach-option-1");
    // Type-ahead finds options that are not rendered yet.
    await key(listbox, "w");
    expect(active(listbox)).toMatch(/^acme\/web-/);
    expect(Number(activeId(listbox)!.split("-").at(-1))).toBeGreaterThan(3000);
    expect(options(listbox).length).toBeLessThanOrEqual(300);
    expect(document.querySelectorAll("[role=option]").length).toBeLessThanOrEqual(300);
  });

  it("searches the server for what the cut-short list does not hold", async () => {
    const state = installMockBackend();
    openForm();
    await testCloud(SECRETS.many);
    expect(screen.getByText("Only the first 5,000 are listed: type to search them all.")).toBeTruthy();
    await type("Find a repository", "zu");
    await type("Find a repository", "zulu");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(screen.getByText("0 repositories match “zulu”. Searching every repository…")).toBeTruthy();
    const listbox = await screen.findByRole("listbox");
    expect(options(listbox).map(pathText)).toEqual(["zeta-corp/zulu-telemetry"]);
    expect(screen.getByText("1 repository matches “zulu”.")).toBeTruthy();
    // Asked once, for the search as it was when typing paused.
    expect(calls(state, "reach_repositories").map((c) => c.args.filter)).toEqual([null, "zulu"]);
    // Enter in the search box goes to the list (it does not submit the form); Enter there picks.
    await fireEvent.keyDown(screen.getByLabelText("Find a repository"), { key: "Enter" });
    await fireEvent.focus(listbox);
    await key(listbox, "Enter");
    expect(field("Workspace")).toBe("zeta-corp");
    expect(field("Repository")).toBe("zulu-telemetry");
    await screen.findByRole("heading", { name: "It works" });
    expect(pathText(within(listbox).getByRole("option", { selected: true }))).toBe(
      "zeta-corp/zulu-telemetry",
    );
  });
});
