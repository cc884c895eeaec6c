// The buttons beside a problem (the core's ProblemAction): they appear for the codes the core
// gives them to, do the fix in the form, and change what the next check is sent. The name is
// checked as it is typed, and the expiry is asked as a question for tokens only.
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { CheckRequest } from "../../bindings";
import {
  CA_FILE,
  installMockBackend,
  SECRETS,
  SELF_SIGNED_SERVER,
  SERVER_FINGERPRINT,
  type MockState,
} from "../../mock/backend";
import ConnectionForm from "../ConnectionForm.svelte";
import { dateInDays } from "../ipc";
import { formOptions } from "../../mock/backend";

afterEach(() => {
  cleanup();
  clearMocks();
});

function openForm() {
  render(ConnectionForm, { options: formOptions, onDone: () => {} });
}

async function type(label: string | RegExp, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

/** The request of the latest check sent. */
function lastRequest(state: MockState): CheckRequest {
  const checks = state.calls.filter((c) => c.cmd === "check_credential");
  return checks[checks.length - 1].args.request as CheckRequest;
}

/** A personal token on a Data Center server at `server`, tested once. */
async function testDataCenter(server: string) {
  openForm();
  await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
  await type("Server address", server);
  await type("Token", SECRETS.good);
  await fireEvent.click(screen.getByRole("button", { name: "Test" }));
}

describe("a refused certificate", () => {
  it("shows its fingerprint and offers to choose a certificate file or to trust it", async () => {
    installMockBackend();
    await testDataCenter(SELF_SIGNED_SERVER);
    await screen.findByRole("heading", { name: "Could not verify" });
    const problem = document.querySelector(".report [data-code=tls_untrusted]")!;
    expect(problem.querySelector(".fingerprint code")!.textContent).toBe(SERVER_FINGERPRINT);
    // The dialog's words, not the command line's flags.
    expect(problem.textContent).not.toContain("--ca-file");
    expect(problem.textContent).not.toContain("--trust-fingerprint");
    const buttons = [...problem.querySelectorAll("button")].map((b) => b.textContent!.trim());
    expect(buttons).toEqual(["Choose certificate file…", "Trust this certificate for this server"]);
  });

  it("Choose certificate file… puts the file chosen in the system's dialog into the check, which passes", async () => {
    const state = installMockBackend();
    await testDataCenter(SELF_SIGNED_SERVER);
    await screen.findByRole("heading", { name: "Could not verify" });
    // The server detection found the same refusal, with the same buttons beside the address.
    await waitFor(() => expect(document.querySelector(".field [data-code=tls_untrusted]")).not.toBeNull());
    const report = document.querySelector(".report")!;
    await fireEvent.click(
      [...report.querySelectorAll("button")].find((b) => b.textContent === "Choose certificate file…")!,
    );
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    expect(lastRequest(state).ca_file).toBe(CA_FILE);
    expect(screen.getByTestId("ca-file").textContent).toBe(CA_FILE);
    // The server detection trusts it too, and the address problem is gone.
    const detections = state.calls.filter((c) => c.cmd === "inspect_server");
    expect(detections[detections.length - 1].args.caFile).toBe(CA_FILE);
    await waitFor(() => expect(document.querySelector(".field [data-code=tls_untrusted]")).toBeNull());
  });

  it("closing the file dialog without choosing changes nothing", async () => {
    const state = installMockBackend({ chosenFile: null });
    await testDataCenter(SELF_SIGNED_SERVER);
    await screen.findByRole("heading", { name: "Could not verify" });
    const checks = state.calls.filter((c) => c.cmd === "check_credential").length;
    await fireEvent.click(screen.getAllByRole("button", { name: "Choose certificate file…" })[0]);
    await waitFor(() => expect(state.calls.some((c) => c.cmd === "choose_certificate_file")).toBe(true));
    expect(state.calls.filter((c) => c.cmd === "check_credential")).toHaveLength(checks);
    expect(screen.queryByTestId("ca-file")).toBeNull();
  });

  it("Trust this certificate for this server pins its fingerprint and checks again", async () => {
    const state = installMockBackend();
    await testDataCenter(SELF_SIGNED_SERVER);
    await screen.findByRole("heading", { name: "Could not verify" });
    const report = document.querySelector(".report")!;
    const trust = [...report.querySelectorAll("button")].find(
      (b) => b.textContent === "Trust this certificate for this server",
    )!;
    await fireEvent.click(trust);
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    expect(lastRequest(state).trust_fingerprint).toBe(SERVER_FINGERPRINT);
    expect(screen.getByTestId("trusted-fingerprint").textContent).toBe(SERVER_FINGERPRINT);
    // And it can be undone: the next check is sent without it.
    await fireEvent.click(screen.getByRole("button", { name: "Stop trusting it" }));
    await screen.findByRole("heading", { name: "Could not verify" });
    expect(lastRequest(state).trust_fingerprint).toBeNull();
  });
});

describe("a plain http address", () => {
  it("offers to allow unencrypted http, with a warning, and the check then passes", async () => {
    const state = installMockBackend();
    await testDataCenter("http://git.example.com");
    await screen.findByRole("heading", { name: "It does not work yet" });
    const checkbox = screen.getByRole("checkbox", {
      name: "Allow unencrypted http for this server",
    }) as HTMLInputElement;
    expect(checkbox.checked).toBe(false);
    expect(document.getElementById("allow-http-warning")!.textContent).toContain("unencrypted");
    const problem = document.querySelector(".report [data-code=insecure_http]")!;
    const allow = [...problem.querySelectorAll("button")].find(
      (b) => b.textContent === "Allow unencrypted http for this server",
    )!;
    await fireEvent.click(allow);
    expect(await screen.findByRole("heading", { name: "It works" })).toBeTruthy();
    expect(lastRequest(state).allow_http).toBe(true);
    expect(checkbox.checked).toBe(true);
    // Unticking it takes it back.
    await fireEvent.click(checkbox);
    await screen.findByRole("heading", { name: "It does not work yet" });
    expect(lastRequest(state).allow_http).toBe(false);
  });
});

describe("a pasted app password", () => {
  it("says app passwords stopped working and Generate an API token switches the method", async () => {
    const state = installMockBackend();
    openForm();
    await fireEvent.click(screen.getByRole("radio", { name: /^Repository access token/ }));
    await type("Workspace", "acme");
    await type("Repository", "models");
    await type("Token", SECRETS.appPassword);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It does not work yet" });
    const problem = document.querySelector(".report [data-code=token_kind_mismatch]")!;
    expect(problem.textContent).toContain("stopped working on 28 July 2026");
    // Never the greyed-out choice, never "a api token".
    expect(problem.textContent).not.toContain("App password (retired)");
    expect(problem.textContent).not.toContain("a api token");
    await fireEvent.click(screen.getByRole("button", { name: "Generate an API token" }));
    await waitFor(() =>
      expect(state.opened).toEqual(["https://id.atlassian.com/manage-profile/security/api-tokens"]),
    );
    expect((screen.getByRole("radio", { name: /^API token/ }) as HTMLInputElement).checked).toBe(true);
    await waitFor(() => expect(document.activeElement?.id).toBe("secret"));
  });

  it("a refused token's button goes to the secret field, and no fix says to paste where there is no field", async () => {
    installMockBackend();
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.refused);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It does not work yet" });
    expect(document.querySelector(".report")!.textContent).not.toContain("paste it here");
    await fireEvent.click(screen.getByRole("button", { name: "Paste a new token" }));
    expect(document.activeElement?.id).toBe("secret");
  });
});

describe("the connection name", () => {
  async function works(state = installMockBackend()) {
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    return state;
  }

  it("is checked with the core's rule as it is typed, beside the field", async () => {
    await works();
    const name = screen.getByLabelText("Connection name");
    await type("Connection name", "a/b");
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById("name-hint")!.textContent).toContain('"a/b" cannot be a connection name');
    await type("Connection name", "work");
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("false"));
  });

  it("says a name is taken, without the CLI's 'rotate', and suggests a free one", async () => {
    const base = installMockBackend();
    await works(base);
    await type("Connection name", "work");
    await type("Expires on", dateInDays(10));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(base.connections).toHaveLength(1));
    cleanup();
    const state = installMockBackend({ connections: base.connections });
    await works(state);
    await type("Connection name", "work");
    await waitFor(() =>
      expect(document.getElementById("name-hint")!.textContent).toContain(
        'already a connection named "work"',
      ),
    );
    expect(document.getElementById("name-hint")!.textContent).not.toContain("rotate");
    await fireEvent.click(screen.getByRole("button", { name: 'Use "work 2"' }));
    expect((screen.getByLabelText("Connection name") as HTMLInputElement).value).toBe("work 2");
  });

  it("the suggested name is made free when the core's suggestion is taken", async () => {
    const base = await works();
    await type("Expires on", dateInDays(10));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(base.connections).toHaveLength(1));
    const taken = base.connections[0].connection.name;
    cleanup();
    await works(installMockBackend({ connections: base.connections }));
    await waitFor(() =>
      expect((screen.getByLabelText("Connection name") as HTMLInputElement).value).toBe(`${taken} 2`),
    );
  });
});

describe("the expiry question", () => {
  it("is required for an API token, with no date filled in for the person", async () => {
    const state = installMockBackend();
    openForm();
    await type("Atlassian account email", "ada@example.com");
    await type("API token", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "It works" });
    expect(screen.getByRole("group", { name: "When does this token expire?" })).toBeTruthy();
    const expires = screen.getByLabelText("Expires on") as HTMLInputElement;
    expect(expires.value).toBe("");
    // An empty date does not look answered.
    expect(expires.classList.contains("empty")).toBe(true);
    expect(document.getElementById("expires-state")!.textContent!.trim()).toBe("Not answered yet.");
    expect(screen.queryByLabelText(/No expiry/)).toBeNull();
    await waitFor(() => expect(document.activeElement?.id).toBe("report-title"));
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(document.activeElement).toBe(expires);
    expect(document.getElementById("expires-state")!.textContent).toContain("Give the date it expires");
    expect(state.calls.some((c) => c.cmd === "save_connection")).toBe(false);
  });

  it("takes No expiry where the token's page offers it, and saves no date", async () => {
    const state = installMockBackend();
    await testDataCenter("https://git.example.com/bitbucket");
    await screen.findByRole("heading", { name: "It works" });
    await fireEvent.click(screen.getByLabelText(/No expiry/));
    expect((screen.getByLabelText("Expires on") as HTMLInputElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(state.connections).toHaveLength(1));
    expect(state.connections[0].connection.expires_on).toBeNull();
  });

  it("is not asked for a password", async () => {
    installMockBackend();
    openForm();
    await fireEvent.click(screen.getByRole("radio", { name: "Bitbucket Data Center (Server)" }));
    await fireEvent.click(screen.getByRole("radio", { name: /^Username and password/ }));
    await type("Server address", "https://git.example.com/bitbucket");
    await type("Username", "ada");
    await type("Password", SECRETS.good);
    await fireEvent.click(screen.getByRole("button", { name: "Test" }));
    await screen.findByRole("heading", { name: "Works, with a catch" });
    expect(screen.queryByLabelText("Expires on")).toBeNull();
    expect(screen.queryByRole("group", { name: "When does this token expire?" })).toBeNull();
  });
});
