// "Where to create it": Generate opens a page only once its address can be made (and says what to
// fill in until then), and the checklist shows what Atlassian's page shows, with a Copy button
// only where the page has a search field to paste into.
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formOptions, installMockBackend } from "../../mock/backend";
import ConnectionForm from "../ConnectionForm.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

function openForm() {
  render(ConnectionForm, { props: { options: formOptions, onDone: vi.fn() } });
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

async function choose(name: RegExp | string) {
  await fireEvent.click(screen.getByRole("radio", { name }));
}

const generate = () => screen.getByRole("button", { name: "Generate…" }) as HTMLButtonElement;
/** The text under the Generate button, which the button names as its description. */
const generateHint = () =>
  document.getElementById(generate().getAttribute("aria-describedby")!)!.textContent!.trim();

async function checklist(title: string) {
  return (await screen.findByRole("heading", { name: title })).parentElement!;
}

describe("the Generate button", () => {
  it("stays disabled, saying what to fill in, until the page's address can be made", async () => {
    const state = installMockBackend();
    openForm();
    await choose(/^Repository access token/);
    await waitFor(() => expect(generate().disabled).toBe(true));
    expect(generateHint()).toBe("Fill in Workspace and Repository to open the page that creates this token.");
    await type("Workspace", "acme");
    await waitFor(() =>
      expect(generateHint()).toBe("Fill in Repository to open the page that creates this token."),
    );
    expect(generate().disabled).toBe(true);
    await type("Repository", "models");
    await waitFor(() => expect(generate().disabled).toBe(false));
    expect(generateHint()).toBe("Opens https://bitbucket.org/acme/models/admin/access-tokens");
    await fireEvent.click(generate());
    await waitFor(() =>
      expect(state.opened).toEqual(["https://bitbucket.org/acme/models/admin/access-tokens"]),
    );
  });

  it("waits for the server address on Data Center", async () => {
    installMockBackend();
    openForm();
    await choose("Bitbucket Data Center (Server)");
    await waitFor(() =>
      expect(generateHint()).toBe("Fill in Server address to open the page that creates this token."),
    );
    expect(generate().disabled).toBe(true);
    await type("Server address", "https://git.example.com/bitbucket");
    await waitFor(() => expect(generate().disabled).toBe(false));
    expect(generateHint()).toMatch(
      /^Opens https:\/\/git\.example\.com\/bitbucket\/plugins\/servlet\/access-tokens\//,
    );
  });
});

describe("the checklist", () => {
  it("API tokens: scopes by the names Atlassian's picker lists, reading ones first, each with Copy", async () => {
    installMockBackend();
    openForm();
    const list = await checklist("Scopes to tick");
    const labels = within(list)
      .getAllByRole("listitem")
      .map((item) => item.querySelector(".label")!.textContent);
    expect(labels).toEqual([
      "read:user:bitbucket",
      "read:workspace:bitbucket",
      "read:repository:bitbucket",
      "read:pullrequest:bitbucket",
      "write:repository:bitbucket",
      "write:pullrequest:bitbucket",
    ]);
    // Typed into the picker's search field: copying helps.
    expect(within(list).getAllByRole("button", { name: /^Copy / })).toHaveLength(6);
  });

  it("access tokens: the form's checkboxes in its words, the API's name in small type, no Copy", async () => {
    installMockBackend();
    openForm();
    await choose(/^Repository access token/);
    const list = await checklist("Scopes to tick");
    await waitFor(() => expect(within(list).getByText("Repositories: Write")).toBeTruthy());
    const items = within(list).getAllByRole("listitem");
    expect(items.map((i) => i.querySelector(".label")!.textContent)).toEqual([
      "Repositories: Read",
      "Pull requests: Read",
      "Repositories: Write",
      "Pull requests: Write",
    ]);
    expect(items.map((i) => i.querySelector("code")!.textContent)).toEqual([
      "repository",
      "pullrequest",
      "repository:write",
      "pullrequest:write",
    ]);
    expect(within(list).queryAllByRole("button")).toHaveLength(0);
  });

  it("Data Center: the permission drop-downs of the token form, no Copy", async () => {
    installMockBackend();
    openForm();
    await choose("Bitbucket Data Center (Server)");
    const list = await checklist("Permissions to choose");
    expect(within(list).getByText("Project permissions: Read")).toBeTruthy();
    expect(within(list).getByText("Repository permissions: Write")).toBeTruthy();
    expect(within(list).getByText("REPO_WRITE")).toBeTruthy();
    expect(within(list).queryAllByRole("button")).toHaveLength(0);
  });

  it("passwords: nothing to tick", async () => {
    installMockBackend();
    openForm();
    await choose("Bitbucket Data Center (Server)");
    await checklist("Permissions to choose");
    await choose(/^Username and password/);
    await waitFor(() => expect(screen.queryByRole("heading", { name: "Permissions to choose" })).toBeNull());
    expect(screen.getByText(/There is nothing to create/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Generate…" })).toBeNull();
  });
});
