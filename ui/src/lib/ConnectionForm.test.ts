import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import App from "../App.svelte";
import type { CheckView, Connection, ConnectionView } from "../bindings";
import {
  formOptions,
  formOptionsCapped,
  installMockBackend,
  type MockState,
  SECRETS,
  signedInConnection,
} from "../mock/backend";
import { dateInDays } from "./ipc";

afterEach(() => {
  cleanup();
  clearMocks();
});

// The app loads the form as a separate chunk after its first paint; compiling it once here keeps
// the first test's wait for the form within the usual time limit.
beforeAll(() => import("./ConnectionForm.svelte"), 30_000);

async function openForm() {
  render(App);
  await fireEvent.click(await screen.findByRole("button", { name: "Add connection" }));
  return screen.findByRole("form", { name: "Add a connection" });
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

const methods = formOptions.providers.flatMap((p) =>
  p.methods.filter((m) => !m.unavailable).map((m) => ({ provider: p, method: m })),
);

type Invoke = (cmd: string, args?: unknown, options?: unknown) => Promise<unknown>;

/** Changes the mock backend's answers to `cmd` (installed already) with `edit`. */
function editAnswers<T>(cmd: string, edit: (answer: T) => T) {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__;
  const answer = internals.invoke;
  internals.invoke = async (name, args, options) => {
    const result = await answer(name, args, options);
    return name === cmd ? edit(result as T) : result;
  };
}

describe("the connection form", () => {
  it.each(methods.map(({ provider, method }) => [provider.label, method.label, provider, method] as const))(
    "%s, %s: shows the fields the core lists and saves a working credential",
    async (_p, _m, provider, method) => {
      const state = installMockBackend();
      await openForm();
      await fireEvent.click(screen.getByRole("radio", { name: provider.label }));
      await fireEvent.click(screen.getByRole("radio", { name: new RegExp(`^${method.label}`) }));
      if (!provider.fixed_host) {
        await type("Server address", "https://git.example.com/bitbucket");
        expect(await screen.findByText(/Bitbucket 9\.2\.1 at/)).toBeTruthy();
      } else {
        expect(screen.getByTestId("host").textContent).toBe("Host: bitbucket.org");
      }
      for (const field of method.fields) {
        const input = screen.getByLabelText(field.label) as HTMLInputElement;
        expect(input.required).toBe(field.required);
        await type(field.label, field.field === "email" ? "ada@example.com" : "acme");
      }
      // Nothing the core did not list is asked for.
      const asked = screen.getAllByRole("textbox").map((i) => i.id);
      for (const other of ["email", "username", "workspace", "project", "repository"]) {
        expect(asked.includes(`field-${other}`)).toBe(method.fields.some((f) => f.field === other));
      }
      if (method.method === "oauth") {
        // OAuth signs in in the browser: the consumer, then Sign in with Bitbucket.
        await type("OAuth consumer key", "consumerKey1");
        await type("OAuth consumer secret", "consumerSecret1");
        await fireEvent.click(screen.getByRole("button", { name: "Sign in with Bitbucket" }));
      } else if (method.method === "data-center-oauth") {
        // A Data Center application link: its client ID is enough (its secret is optional).
        await type("Application link client ID", "linkClient1");
        await fireEvent.click(screen.getByRole("button", { name: "Sign in with Bitbucket" }));
      } else {
        await type(method.secret_label, SECRETS.good);
        await fireEvent.click(screen.getByRole("button", { name: "Test" }));
      }
      // Data Center project and repository tokens and passwords work with a catch, to be accepted.
      const caught = ["project-token", "repository-token", "basic"].includes(method.method);
      expect(
        await screen.findByRole("heading", { name: caught ? "Works, with a catch" : "It works" }),
      ).toBeTruthy();
      if (caught) await fireEvent.click(screen.getByRole("checkbox", { name: /anyway/ }));
      // Tokens are asked when they expire; passwords and OAuth are not.
      if (method.expiry.answers === "not_asked") {
        expect(screen.queryByLabelText("Expires on")).toBeNull();
      } else {
        await type("Expires on", dateInDays(30));
      }
      await fireEvent.click(screen.getByRole("button", { name: "Save" }));
      await waitFor(() => expect(state.connections).toHaveLength(1));
      expect(state.connections[0].connection.method).toBe(method.method);
      expect(state.connections[0].connection.expires_on).toBe(
        method.expiry.answers === "not_asked" ? null : dateInDays(30),
      );
      const name = state.connections[0].connection.name;
      // The save is confirmed with the next steps, then the list shows the new connection.
      expect(await screen.findByRole("heading", { name: `Saved “${name}”` })).toBeTruthy();
      await fireEvent.click(screen.getByRole("button", { name: "Back to connections" }));
      expect(await screen.findByRole("heading", { name })).toBeTruthy();
    },
  );

  it("a project token works with a catch: said apart from It works, and saved only once accepted", async () => {
    const state = installMockBackend();
    await openForm();
    await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
    await fireEvent.click(screen.getByRole("radio", { name: /^Project HTTP access token/ }));
    expect(
      screen.getByRole("radio", { name: /^Project HTTP access token/ }).closest("label")?.textContent,
    ).toContain("not recommended for reviews");
    await type("Server address", "https://git.example.com/bitbucket");
    await type("Project key", "DATA");
    await type("Token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    const heading = await screen.findByRole("heading", { name: "Works, with a catch" });
    expect(heading.closest("section")?.classList.contains("caught")).toBe(true);
    expect(screen.getByTestId("catch").textContent).toContain("not recommended for reviews");
    expect(screen.getByRole("status").textContent).toBe("Check finished: it works, with a catch.");
    await type("Connection name", "data");
    await type("Expires on", dateInDays(30));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByRole("alert")).textContent).toContain("tick “Save it anyway");
    expect(state.connections).toHaveLength(0);
    await fireEvent.click(screen.getByRole("checkbox", { name: /Save it anyway/ }));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(state.connections).toHaveLength(1));
    await fireEvent.click(await screen.findByRole("button", { name: "Back to connections" }));
    // The list names the project the token is tied to.
    expect((await screen.findByText(/project DATA/)).textContent).toContain("project DATA");
  });

  it("OAuth signs in with Bitbucket: the consumer goes to Rust, the tokens never come back", async () => {
    const state = installMockBackend();
    await openForm();
    await fireEvent.click(screen.getByRole("radio", { name: /^OAuth 2.0/ }));
    expect(screen.queryByLabelText("Access token")).toBeNull();
    const signIn = screen.getByRole("button", { name: "Sign in with Bitbucket" }) as HTMLButtonElement;
    expect(signIn.disabled).toBe(true);
    await type("OAuth consumer key", "consumerKey1");
    await type("OAuth consumer secret", "consumerSecret1");
    await fireEvent.click(signIn);
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    const begun = state.calls.find((c) => c.cmd === "oauth_begin");
    expect(begun?.args).toEqual({
      checkId: expect.any(Number),
      request: expect.objectContaining({ method: "oauth", secret: "" }),
      clientId: "consumerKey1",
      clientSecret: "consumerSecret1",
      again: null,
    });
    const finished = state.calls.find((c) => c.cmd === "oauth_finish");
    expect(finished?.args.checkId).toBe(begun?.args.checkId);
    expect(state.calls.some((c) => c.cmd === "check_credential")).toBe(false);
    await type("Connection name", "signed-in");
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(state.connections).toHaveLength(1));
    expect(state.connections[0].connection.method).toBe("oauth");
    expect(JSON.stringify(state.calls.filter((c) => c.cmd === "save_connection"))).not.toContain(
      "consumerSecret1",
    );
  });

  it("OAuth with the administrator's consumer asks for neither key nor secret", async () => {
    installMockBackend({ formOptions: { ...formOptions, oauth_consumer: "companyConsumer" } });
    await openForm();
    await fireEvent.click(screen.getByRole("radio", { name: /^OAuth 2.0/ }));
    expect(screen.getByTestId("oauth-consumer").textContent).toContain("companyConsumer");
    expect(screen.queryByLabelText("OAuth consumer secret")).toBeNull();
    expect(
      (screen.getByRole("button", { name: "Sign in with Bitbucket" }) as HTMLButtonElement).disabled,
    ).toBe(false);
  });

  /** Chooses Data Center, OAuth 2.0 and the server `address`, and waits until the server answered. */
  async function dataCenterSignIn(address = "https://git.example.com/bitbucket") {
    await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
    await fireEvent.click(screen.getByRole("radio", { name: /^OAuth 2.0/ }));
    await type("Server address", address);
    await screen.findByText(/Bitbucket 9\.2\.1 at/);
  }

  it("Data Center OAuth 2.0 signs in through the application link: client ID, optional secret, redirect URL", async () => {
    const state = installMockBackend();
    await openForm();
    await dataCenterSignIn();
    // No token to paste: a sign-in, with the redirect URL the link must be registered with.
    expect(screen.queryByLabelText("Access token")).toBeNull();
    expect((screen.getByLabelText("Redirect URL of the application link") as HTMLInputElement).value).toBe(
      formOptions.oauth_redirect,
    );
    expect(screen.getByRole("button", { name: "Copy" })).toBeTruthy();
    expect(document.getElementById("redirect-hint")!.textContent).toContain(
      "-Datlassian.oauth2.provider.skip.redirect.url.https.requirement=true",
    );
    const signIn = screen.getByRole("button", { name: "Sign in with Bitbucket" }) as HTMLButtonElement;
    expect(signIn.disabled).toBe(true);
    // The client ID alone is enough: the secret is optional, and masked.
    expect((screen.getByLabelText("Client secret (optional)") as HTMLInputElement).type).toBe("password");
    await type("Application link client ID", "linkClient1");
    expect(signIn.disabled).toBe(false);
    await fireEvent.click(signIn);
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    const begun = state.calls.find((c) => c.cmd === "oauth_begin");
    expect(begun?.args).toEqual({
      checkId: expect.any(Number),
      request: expect.objectContaining({
        method: "data-center-oauth",
        server: "https://git.example.com/bitbucket",
        secret: "",
      }),
      clientId: "linkClient1",
      clientSecret: null,
      again: null,
    });
    await type("Connection name", "dc-signed-in");
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(state.connections).toHaveLength(1));
    expect(state.connections[0].connection.method).toBe("data-center-oauth");
  });

  it("Data Center OAuth 2.0 with the policy's link for this server: its client ID locked, its redirect URL", async () => {
    const link = {
      base_url: "https://git.example.com/bitbucket",
      client_id: "companyLink",
      redirect_uri: "http://127.0.0.1:51234/callback",
    };
    const state = installMockBackend({ formOptions: { ...formOptions, oauth_links: [link] } });
    await openForm();
    // Another server has no link in the policy: its client ID is asked for.
    await dataCenterSignIn("https://other.example.com");
    expect(screen.getByLabelText("Application link client ID")).toBeTruthy();
    expect(screen.queryByTestId("oauth-consumer")).toBeNull();
    // The server as the core normalised it (the trailing slash typed goes) is the policy's.
    await type("Server address", "https://git.example.com/bitbucket/");
    await waitFor(() =>
      expect(screen.getByTestId("oauth-consumer").textContent).toContain(
        "companyLink (set by your organisation)",
      ),
    );
    expect(screen.queryByLabelText("Application link client ID")).toBeNull();
    expect(screen.queryByLabelText("Client secret (optional)")).toBeNull();
    expect((screen.getByLabelText("Redirect URL of the application link") as HTMLInputElement).value).toBe(
      link.redirect_uri,
    );
    // The link exists already: nothing to create, so no "Where to create it".
    expect(screen.queryByRole("heading", { name: "Where to create it" })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Sign in with Bitbucket" }));
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    const begun = state.calls.find((c) => c.cmd === "oauth_begin");
    expect(begun?.args).toMatchObject({ clientId: null, clientSecret: null, again: null });
  });

  it("shows why a sign-in could not start, with its fix, as a problem", async () => {
    const state = installMockBackend();
    editAnswers("oauth_begin", () => {
      throw {
        code: "sign_in_refused",
        message:
          "The sign-in did not finish: the server refused the redirect address http://127.0.0.1:47613/repoconn/callback. Nothing was saved.",
        fix: "Ask your Bitbucket administrators to start the server with -Datlassian.oauth2.provider.skip.redirect.url.https.requirement=true.",
      };
    });
    await openForm();
    await dataCenterSignIn();
    await type("Application link client ID", "linkClient1");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in with Bitbucket" }));
    const problem = await screen.findByRole("alert");
    expect(problem.textContent).toContain("refused the redirect address");
    expect(problem.textContent).toContain("Ask your Bitbucket administrators");
    expect(state.calls.some((c) => c.cmd === "oauth_finish")).toBe(false);
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows app passwords as retired and not selectable", async () => {
    installMockBackend();
    await openForm();
    const retired = screen.getByRole("radio", { name: /App password/ }) as HTMLInputElement;
    expect(retired.disabled).toBe(true);
    expect(screen.getByText(/Retired: create an API token with scopes instead/)).toBeTruthy();
  });

  it("lists the scopes to tick with copy buttons and opens the Generate page", async () => {
    const state = installMockBackend();
    await openForm();
    const checklist = await screen.findByRole("heading", { name: "Scopes to tick" });
    const list = checklist.parentElement!;
    expect(within(list).getAllByRole("listitem")).toHaveLength(6);
    expect(within(list).getByRole("button", { name: "Copy write:pullrequest:bitbucket" })).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Generate…" }));
    await waitFor(() =>
      expect(state.opened).toEqual(["https://id.atlassian.com/manage-profile/security/api-tokens"]),
    );
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toContain("Opened https://id.atlassian.com/"),
    );
  });

  it("puts Generate and its Copy buttons after the token field and Test, not in the way to them", async () => {
    installMockBackend();
    await openForm();
    await screen.findByRole("heading", { name: "Scopes to tick" });
    const secret = screen.getByLabelText("API token");
    const test = screen.getByRole("button", { name: "Test" });
    const generate = screen.getByRole("button", { name: "Generate…" });
    const copies = screen.getAllByRole("button", { name: /^Copy / });
    expect(copies).toHaveLength(6);
    for (const button of [generate, ...copies]) {
      expect(secret.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
      expect(test.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    }
  });

  it("follows the profile: read only needs four scopes", async () => {
    installMockBackend();
    await openForm();
    await fireEvent.change(screen.getByLabelText("What it must allow"), { target: { value: "read-only" } });
    const list = (await screen.findByRole("heading", { name: "Scopes to tick" })).parentElement!;
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(4));
  });

  it("hints while pasting when the secret is another kind of credential", async () => {
    installMockBackend();
    await openForm();
    await type("API token", SECRETS.accessToken);
    expect(await screen.findByText(/looks like a Bitbucket Cloud access token/)).toBeTruthy();
  });

  it("masks the secret and reveals it on request", async () => {
    installMockBackend();
    await openForm();
    const secret = screen.getByLabelText("API token") as HTMLInputElement;
    expect(secret.type).toBe("password");
    await fireEvent.click(screen.getByRole("button", { name: "Show" }));
    expect(secret.type).toBe("text");
    expect(screen.getByRole("button", { name: "Hide" }).getAttribute("aria-pressed")).toBe("true");
  });

  it("names missing scopes with their fix and does not allow saving", async () => {
    installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.missingScopes);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect(await screen.findByRole("heading", { name: "It does not work yet" })).toBeTruthy();
    expect(screen.getByText(/lacks these scopes: write:pullrequest:bitbucket/)).toBeTruthy();
    expect(screen.getByText(/Scopes cannot be added to an existing token/)).toBeTruthy();
    expect(screen.getByText("missing")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole("status").textContent).toBe("Check finished: 1 problem.");
  });

  it("explains a refused token and an unreachable server differently", async () => {
    installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.refused);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect(await screen.findByText(/One of four things is wrong/)).toBeTruthy();
    await type("API token", SECRETS.offline);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect(await screen.findByRole("heading", { name: "Could not verify" })).toBeTruthy();
    expect(screen.getByText(/could not be reached/)).toBeTruthy();
  });

  it("shows who the token acts as, the git username and unverified write scopes", async () => {
    installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect((await screen.findByTestId("identity")).textContent).toBe("Ada Lovelace");
    expect(screen.getByTestId("git-username").textContent).toBe("ada_lovelace");
    // A write scope that cannot be proven yet reads as neutral as a granted one, not as missing.
    const unverified = screen.getByText("not verifiable yet").closest("li")!;
    expect(unverified.className).toBe("not-verifiable-yet");
    expect(unverified.textContent).toContain("write:pullrequest:bitbucket");
    const note = screen.getByText(/cannot be confirmed without changing something/).closest("p")!;
    expect(note.classList.contains("note")).toBe(true);
    expect(note.classList.contains("warning")).toBe(false);
  });

  it("gives each verdict its own colour class and icon", async () => {
    installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    const verdicts: Array<[string, string, string, string]> = [
      [SECRETS.good, "It works", "usable", "✓"],
      [SECRETS.refused, "It does not work yet", "not_usable", "✕"],
      [SECRETS.offline, "Could not verify", "unverified", "!"],
    ];
    for (const [secret, words, outcome, icon] of verdicts) {
      await type("API token", secret);
      await fireEvent.click(screen.getByRole("button", { name: "Test" }));
      const heading = await screen.findByRole("heading", { name: words });
      expect(heading.closest("section")!.classList.contains(outcome)).toBe(true);
      expect(heading.querySelector(".verdict-icon")!.textContent).toBe(icon);
    }
    // Each problem is marked as one, with its icon, not told by colour alone.
    const problem = document.querySelector(".report [data-code=unreachable]")!;
    expect(problem.classList.contains("problem")).toBe(true);
    expect(problem.querySelector(".finding-icon")!.textContent).toBe("✕");
  });

  it("moves the focus to the verdict after Test, and says Checking… beside Test meanwhile", async () => {
    installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    const test = screen.getByRole("button", { name: "Test" });
    test.focus();
    await fireEvent.click(test);
    const status = screen.getByRole("status");
    expect(status.textContent).toBe("Checking with Bitbucket…");
    expect(status.getAttribute("aria-live")).toBe("polite");
    expect(status.parentElement).toBe(test.parentElement);
    const heading = await screen.findByRole("heading", { name: "It works" });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    // A problem's verdict takes the focus too.
    await type("API token", SECRETS.refused);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    const refused = await screen.findByRole("heading", { name: "It does not work yet" });
    await waitFor(() => expect(document.activeElement).toBe(refused));
  });

  it("says Checking… beside Test while the server address is looked at", async () => {
    installMockBackend();
    await openForm();
    await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
    await type("Server address", "https://git.example.com/bitbucket");
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Checking the server address…"));
    expect(await screen.findByText(/Bitbucket 9\.2\.1 at/)).toBeTruthy();
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe(""));
  });

  it("clears the status when the server or the way to connect changes", async () => {
    installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.refused);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It does not work yet" });
    expect(screen.getByRole("status").textContent).toBe("Check finished: 1 problem.");
    await fireEvent.click(screen.getByRole("radio", { name: /^Repository access token/ }));
    expect(screen.getByRole("status").textContent).toBe("");
    expect(screen.queryByRole("heading", { name: "It does not work yet" })).toBeNull();
  });

  it("shows the core's verdict in the status line and suggests the core's name", async () => {
    installMockBackend();
    // Words the page could not make up itself: it must show what the core answered.
    editAnswers<CheckView>("check_credential", (view) => ({
      ...view,
      verdict: "The core's verdict.",
      suggested_name: "the core's name",
    }));
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    expect(screen.getByRole("status").textContent).toBe("The core's verdict.");
    expect((screen.getByLabelText("Connection name") as HTMLInputElement).value).toBe("the core's name");
  });

  it("sends the check the core's request, with only the fields of the chosen method", async () => {
    const state = installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    expect(screen.getByRole("status").textContent).toBe("Check finished: it works.");
    expect((screen.getByLabelText("Connection name") as HTMLInputElement).value).toBe(
      "ada_lovelace on Bitbucket Cloud",
    );
    expect(state.calls.find((c) => c.cmd === "check_credential")?.args.request).toEqual({
      method: "api-token",
      server: null,
      email: "ada@example.com",
      username: null,
      workspace: null,
      project: null,
      repository: null,
      profile: "pull-requests",
      require: [],
      ca_file: null,
      trust_fingerprint: null,
      allow_http: false,
      secret: SECRETS.good,
    });
  });

  it("shows progress while checking and can cancel", async () => {
    installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.slow);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect(screen.getByRole("status").textContent).toBe("Checking with Bitbucket…");
    expect(document.querySelector(".test-row .spinner")).not.toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Cancel check" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Check cancelled."));
    expect(document.querySelector(".test-row .spinner")).toBeNull();
  });
});

describe("the connection list", () => {
  async function withOneConnection() {
    const state = installMockBackend();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    await type("Connection name", "work");
    await type("Expires on", dateInDays(200));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByRole("heading", { name: "Saved “work”" });
    await fireEvent.click(screen.getByRole("button", { name: "Back to connections" }));
    await screen.findByRole("heading", { name: "work" });
    return state;
  }

  it("shows status in words, not colour alone", async () => {
    await withOneConnection();
    expect(screen.getByTestId("status").textContent).toContain("Valid");
  });

  it("colours and marks each badge by the tone the core gives", async () => {
    const saved = (await withOneConnection()).connections[0];
    cleanup();
    // The status words and the expiry would say "good": the badge follows `tone` alone.
    const toned = (name: string, tone: ConnectionView["tone"]): ConnectionView => ({
      ...saved,
      connection: { ...saved.connection, id: name, name },
      status_text: `${name} says`,
      tone,
    });
    installMockBackend({ connections: [toned("good", "good"), toned("warn", "warn"), toned("bad", "bad")] });
    render(App);
    await screen.findByRole("heading", { name: "bad" });
    const badges = screen.getAllByTestId("status");
    const tones = ["good", "warn", "bad"];
    expect(badges.map((b) => tones.filter((tone) => b.classList.contains(tone)))).toEqual([
      ["good"],
      ["warn"],
      ["bad"],
    ]);
    expect(badges.map((b) => b.textContent!.replace(/\s+/g, " ").trim())).toEqual([
      "● good says",
      "▲ warn says",
      "■ bad says",
    ]);
  });

  it("deletes only after confirmation", async () => {
    const state = await withOneConnection();
    await fireEvent.click(screen.getByRole("button", { name: "Delete work" }));
    expect(state.connections).toHaveLength(1);
    await fireEvent.click(screen.getByRole("button", { name: "Keep" }));
    await fireEvent.click(screen.getByRole("button", { name: "Delete work" }));
    await fireEvent.click(
      within(screen.getByRole("group", { name: "Delete work?" })).getByRole("button", {
        name: "Delete work",
      }),
    );
    await waitFor(() => expect(state.connections).toHaveLength(0));
    expect(await screen.findByRole("heading", { name: "No connections yet" })).toBeTruthy();
  });

  it("re-tests and shows the result", async () => {
    await withOneConnection();
    await fireEvent.click(screen.getByRole("button", { name: "Re-test work" }));
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe("work: Valid.");
  });

  const signedIn = (status: Connection["status"]) => signedInConnection("work", status);

  it("edits a signed-in connection without a token field: Test checks the saved sign-in", async () => {
    const state = installMockBackend({ connections: [signedIn("valid")] });
    render(App);
    await screen.findByRole("heading", { name: "work" });
    const since = await edit(state, "work");
    expect(screen.getByRole("form", { name: "Edit work" })).toBeTruthy();
    // Pasting a bare access token would replace the saved tokens (and their refresh): never offered.
    expect(screen.queryByLabelText("Access token")).toBeNull();
    expect(document.getElementById("secret")).toBeNull();
    expect(screen.getByTestId("signed-in-note").textContent).toContain("signed in with Bitbucket");
    expect(screen.getByRole("button", { name: "Sign in again" })).toBeTruthy();
    // No consumer is needed (Rust reads the saved one); another can be typed under a disclosure.
    expect(screen.getByText("Sign in with another OAuth consumer").closest("details")!.open).toBe(false);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    const checks = since().filter((c) =>
      ["check_saved", "check_credential", "check_signed_in", "oauth_begin"].includes(c.cmd),
    );
    expect(checks.map((c) => c.cmd)).toEqual(["check_saved"]);
  });

  it("a connection whose sign-in ended says so, and its Sign in again opens Edit ready; Save replaces the tokens", async () => {
    const state = installMockBackend({ connections: [signedIn("sign_in_again")] });
    render(App);
    await screen.findByRole("heading", { name: "work" });
    expect(screen.getByTestId("status").textContent).toContain("Sign in again");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in again to work" }));
    // The form is a chunk loaded after the first paint: it may still be arriving.
    expect(await screen.findByRole("form", { name: "Edit work" })).toBeTruthy();
    const signIn = screen.getByRole("button", { name: "Sign in again" }) as HTMLButtonElement;
    await waitFor(() => expect(document.activeElement).toBe(signIn));
    expect(screen.queryByLabelText("Access token")).toBeNull();
    expect(signIn.disabled).toBe(false);
    await fireEvent.click(signIn);
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    const begun = state.calls.find((c) => c.cmd === "oauth_begin");
    // The saved connection's own consumer, read in Rust: the page sends none.
    expect(begun?.args).toMatchObject({ clientId: null, clientSecret: null, again: "work" });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(state.calls.some((c) => c.cmd === "save_connection" && c.args.replacing === "work")).toBe(true),
    );
    // The new tokens replaced the old ones: one connection, its secret in a new keychain item.
    expect(state.connections).toHaveLength(1);
    expect(state.connections[0].connection.secret_key).toBe("conn-1.2");
    expect(state.connections[0].connection.status).toBe("valid");
  });

  it("edits a connection in place: a new secret replaces the old one", async () => {
    const state = await withOneConnection();
    await fireEvent.click(screen.getByRole("button", { name: "Edit work" }));
    expect(await screen.findByRole("form", { name: "Edit work" })).toBeTruthy();
    expect((screen.getByLabelText("Atlassian account email") as HTMLInputElement).value).toBe(
      "ada@example.com",
    );
    expect((screen.getByLabelText("API token") as HTMLInputElement).value).toBe("");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(state.calls.some((c) => c.cmd === "save_connection" && c.args.replacing === "work")).toBe(true),
    );
    expect(state.connections).toHaveLength(1);
  });

  /** Opens Edit on `name` and returns the commands called from then on. */
  async function edit(state: MockState, name: string) {
    const from = state.calls.length;
    await fireEvent.click(screen.getByRole("button", { name: `Edit ${name}` }));
    await screen.findByRole("form", { name: `Edit ${name}` });
    return () => state.calls.slice(from);
  }

  it("says a token is saved when editing, and Test checks the saved one without it crossing", async () => {
    const state = await withOneConnection();
    const since = await edit(state, "work");
    const secret = screen.getByLabelText("API token") as HTMLInputElement;
    expect(secret.value).toBe("");
    expect(document.getElementById("secret-hint")!.textContent!.trim()).toBe(
      "A token is saved (added 26 November 2026). Paste a new one only to replace it.",
    );
    const test = screen.getByRole("button", { name: "Test" }) as HTMLButtonElement;
    expect(test.disabled).toBe(false);
    await fireEvent.click(test);
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    const calls = since();
    const checks = calls.filter((c) => c.cmd === "check_saved" || c.cmd === "check_credential");
    expect(checks.map((c) => c.cmd)).toEqual(["check_saved"]);
    expect(checks[0].args.name).toBe("work");
    expect(checks[0].args.edits).toMatchObject({ email: "ada@example.com", profile: "pull-requests" });
    expect(checks[0].args.edits).not.toHaveProperty("secret");
    // The saved secret never reaches the page, nor goes back from it.
    expect(JSON.stringify(calls)).not.toContain(SECRETS.good);
    expect(document.body.textContent).not.toContain(SECRETS.good);
  });

  it("saves an edit without a new token: renamed, another expiry, the same keychain item", async () => {
    const state = await withOneConnection();
    const before = state.connections[0].connection;
    const since = await edit(state, "work");
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    const name = screen.getByLabelText("Connection name") as HTMLInputElement;
    expect(name.readOnly).toBe(false);
    expect(name.value).toBe("work");
    await type("Connection name", "office");
    await type("Expires on", dateInDays(100));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByRole("heading", { name: "Saved “office”" });
    const save = since().find((c) => c.cmd === "save_connection")!;
    expect(save.args).toMatchObject({ name: "office", replacing: "work", expiresOn: dateInDays(100) });
    expect(state.connections).toHaveLength(1);
    const after = state.connections[0].connection;
    expect(after).toMatchObject({ name: "office", expires_on: dateInDays(100), id: before.id });
    expect(after.secret_key).toBe(before.secret_key);
    expect(after.created_at).toBe(before.created_at);
    expect(state.secrets).toEqual({ office: SECRETS.good });
    // The renamed connection still works with the secret it kept.
    await fireEvent.click(screen.getByRole("button", { name: "Back to connections" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Re-test office" }));
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
  });

  it("refuses a rename to a name another connection has, as it is typed", async () => {
    const state = await withOneConnection();
    state.connections = [
      ...state.connections,
      { ...state.connections[0], connection: { ...state.connections[0].connection, id: "2", name: "home" } },
    ];
    await edit(state, "work");
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    await type("Connection name", "home");
    await waitFor(() => expect(document.getElementById("name-hint")!.textContent).toContain('"home"'));
    expect(screen.getByRole("button", { name: 'Use "home 2"' })).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(state.calls.some((c) => c.cmd === "save_connection" && c.args.replacing === "work")).toBe(false);
    // Its own name is free to keep.
    await type("Connection name", "work");
    await waitFor(() =>
      expect(document.getElementById("name-hint")!.classList.contains("field-error")).toBe(false),
    );
  });

  it("a failed check of the saved token saves nothing", async () => {
    const state = await withOneConnection();
    // The token was revoked on Bitbucket since it was saved.
    state.secrets.work = SECRETS.refused;
    await edit(state, "work");
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It does not work yet" });
    expect(screen.queryByLabelText("Connection name")).toBeNull();
    expect((screen.getByRole("button", { name: "Save" }) as HTMLButtonElement).disabled).toBe(true);
    expect(state.calls.some((c) => c.cmd === "save_connection" && c.args.replacing)).toBe(false);
  });

  it("asks for a new token when the way to connect changes", async () => {
    const state = await withOneConnection();
    await edit(state, "work");
    await fireEvent.click(screen.getByRole("radio", { name: /^Repository access token/ }));
    expect(document.getElementById("secret-hint")!.textContent).toContain(
      "The saved token is for another way to connect or another server: paste a new one here.",
    );
    expect((screen.getByRole("button", { name: "Test" }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("under an administrator's policy", () => {
  function withPolicy() {
    // The core's own form options under a 90-day cap: the hint and the pre-filled date are its.
    const options = structuredClone(formOptionsCapped);
    const basic = options.providers[1].methods.find((m) => m.method === "basic")!;
    basic.unavailable = "Not allowed by your organisation's policy (/etc/repoconn/policy.json).";
    options.templates = [
      {
        name: "Example Corp Bitbucket",
        provider: "data-center",
        base_url: "https://git.example.com/bitbucket",
        profile: "read-only",
        method: "personal-token",
      },
    ];
    return installMockBackend({ formOptions: options });
  }

  it("locks what a template fixes and explains what is forbidden", async () => {
    withPolicy();
    await openForm();
    await fireEvent.click(screen.getByRole("radio", { name: "Example Corp Bitbucket" }));
    const server = screen.getByLabelText("Server address") as HTMLInputElement;
    expect(server.value).toBe("https://git.example.com/bitbucket");
    expect(server.readOnly).toBe(true);
    expect(screen.getAllByText("Set by your organisation.").length).toBeGreaterThanOrEqual(2);
    expect(
      (screen.getByRole("radio", { name: /^Personal HTTP access token/ }) as HTMLInputElement).checked,
    ).toBe(true);
    const profile = screen.getByLabelText("What it must allow") as HTMLSelectElement;
    expect(profile.value).toBe("read-only");
    expect(profile.disabled).toBe(true);
    expect(
      (screen.getByRole("radio", { name: /^Project HTTP access token/ }) as HTMLInputElement).disabled,
    ).toBe(true);
    const basic = screen.getByRole("radio", { name: /^Username and password/ }) as HTMLInputElement;
    expect(basic.disabled).toBe(true);
    expect(screen.getByText(/Not allowed by your organisation's policy/)).toBeTruthy();
  });

  it("caps the expiry date and says so", async () => {
    withPolicy();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    const expires = screen.getByLabelText("Expires on") as HTMLInputElement;
    expect(expires.max).toBe(dateInDays(90));
    expect(document.getElementById("expires-cap")!.textContent!.replace(/\s+/g, " ").trim()).toBe(
      `While the app is open it reminds you 30, 7 and 1 days before and when it expires; git warns from 7 days before, and your connections list marks it from 30 days before. Your organisation allows at most 90 days. The latest date it allows is ${dateInDays(90)}.`,
    );
    // Under a cap a token must have a date: "No expiry" is not offered.
    expect(screen.queryByLabelText(/No expiry/)).toBeNull();
  });

  it("offers the latest date the policy allows with one press, never filling it in unasked", async () => {
    const state = withPolicy();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    const expires = screen.getByLabelText("Expires on") as HTMLInputElement;
    expect(expires.value).toBe("");
    await fireEvent.click(screen.getByRole("button", { name: `Use ${dateInDays(90)}` }));
    expect(expires.value).toBe(dateInDays(90));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(state.connections).toHaveLength(1));
    expect(state.connections[0].connection.expires_on).toBe(dateInDays(90));
  });

  it("says on the field why a date past the policy's cap cannot be saved, and goes there", async () => {
    const state = withPolicy();
    await openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    await type("Expires on", dateInDays(365));
    const expires = screen.getByLabelText("Expires on");
    expect(expires.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById("expires-state")!.textContent).toContain("at most 90 days");
    expect(document.getElementById("expires-state")!.classList.contains("field-error")).toBe(true);
    await fireEvent.submit(screen.getByRole("form", { name: "Add a connection" }));
    expect(document.activeElement).toBe(expires);
    expect(state.calls.some((c) => c.cmd === "save_connection")).toBe(false);
  });

  it("shows a broken policy file and its problem", async () => {
    const options = structuredClone(formOptions);
    options.policy_error = { path: "/etc/repoconn/policy.json", message: "line 3, column 5: trailing comma" };
    installMockBackend({ formOptions: options });
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("line 3, column 5: trailing comma");
  });
});
