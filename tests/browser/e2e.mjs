// Browser end-to-end test: the built dialog in Debian's headless Chromium, driven by
// playwright-core, with the IPC answered by the mock backend (a build made with --mode e2e-mock).
// It adds a connection of every kind, checks keyboard-only use (the repository picker's listbox
// too), 200% zoom, both themes, and runs axe-core: no serious or critical accessibility violation
// is allowed.
//
//   node tests/browser/e2e.mjs <url of the e2e-mock build> <screenshot folder>
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node tests/browser/e2e.mjs <url> <screenshot folder>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const fixtures = JSON.parse(
  readFileSync(new URL("../../ui/src/mock/fixtures.json", import.meta.url), "utf8"),
);
const axeSource = readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const GOOD = "ATATT3xFfGF0-good-token"; // the mock backend's working secret (ui/src/mock/backend.ts)
const MANY = "ATATT3xFfGF0-many-repos"; // works, and reaches more repositories than the core lists
const SELF_SIGNED = "https://git.example.com"; // the mock's server with an untrusted certificate

/** Today plus `days`, as YYYY-MM-DD (what a date field holds). */
function dateInDays(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const results = [];
async function check(name, body) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  try {
    await page.goto(url);
    await page.getByRole("heading", { name: "Repository Connections" }).waitFor();
    await body(page, context);
    if (errors.length) throw new Error(`errors on the page: ${errors.join("; ")}`);
    results.push(true);
    console.log(`ok   - ${name}`);
  } catch (err) {
    results.push(false);
    console.log(`FAIL - ${name}\n       ${String(err.message ?? err).split("\n")[0]}`);
    await page
      .screenshot({ path: path.join(shots, `failed-${results.length}.png`), fullPage: true })
      .catch(() => {});
  } finally {
    await context.close();
  }
}

async function axe(page, where) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    throw new Error(
      `${where}: ${bad.map((v) => `${v.id} (${v.impact}) on ${v.nodes[0]?.target}`).join(", ")}`,
    );
  }
}

async function addConnection(page, provider, kind, name) {
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByRole("radio", { name: provider.label }).check();
  await page.getByRole("radio", { name: new RegExp(`^${kind.label}`) }).check();
  if (!provider.fixed_host) {
    await page.getByLabel("Server address").fill("https://git.example.com/bitbucket");
    await page.getByText(/Bitbucket 9\.2\.1 at/).waitFor();
  }
  for (const field of kind.fields) {
    await page
      .getByLabel(field.label, { exact: true })
      .fill(field.field === "email" ? "ada@example.com" : "acme");
  }
  if (kind.method === "oauth") {
    // OAuth signs in in the browser, through the consumer.
    await page.getByLabel("OAuth consumer key").fill("consumerKey1");
    await page.getByLabel("OAuth consumer secret").fill("consumerSecret1");
    await page.getByRole("button", { name: "Sign in with Bitbucket" }).click();
  } else if (kind.method === "data-center-oauth") {
    // A Data Center application link: its client ID (its secret is optional).
    await page.getByLabel("Application link client ID").fill("linkClient1");
    await page.getByRole("button", { name: "Sign in with Bitbucket" }).click();
  } else {
    await page.getByLabel(kind.secret_label, { exact: true }).fill(GOOD);
    await page.getByRole("button", { name: "Test", exact: true }).click();
  }
  // Data Center project and repository tokens and passwords work with a catch, to be accepted.
  await page.getByRole("heading", { name: /^(It works|Works, with a catch)$/ }).waitFor();
  if (await page.getByTestId("catch").count()) {
    await axe(page, `${kind.label}: works with a catch`);
    await page.getByRole("checkbox", { name: /anyway/ }).check();
  }
  // Tokens are asked when they expire (the date chosen on their page); passwords are not.
  if (kind.expiry.answers !== "not_asked") await page.getByLabel("Expires on").fill(dateInDays(200));
  await page.getByLabel("Connection name").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
  // The save is confirmed with the next steps; the list then shows the connection.
  await page.getByRole("heading", { name: `Saved “${name}”` }).waitFor();
  await page.getByRole("button", { name: "Back to connections" }).click();
  await page.getByRole("heading", { name, exact: true }).waitFor();
}

const kinds = fixtures.form_options.providers.flatMap((p) =>
  p.methods.filter((m) => !m.unavailable).map((m) => [p, m]),
);

await check("the empty state explains connections and passes axe", async (page) => {
  await page.getByRole("heading", { name: "No connections yet" }).waitFor();
  await page.screenshot({ path: path.join(shots, "empty-light.png") });
  await axe(page, "empty state");
});

await check(`a connection of each of the ${kinds.length} kinds is added`, async (page) => {
  for (const [index, [provider, kind]] of kinds.entries()) {
    await addConnection(page, provider, kind, `conn ${index + 1}`);
  }
  const rows = await page.locator(".connection").count();
  if (rows !== kinds.length) throw new Error(`${rows} connections listed`);
  // Every row's status and buttons start at the same place, whatever the name and details.
  const lefts = await page.evaluate(() =>
    [...document.querySelectorAll(".connection")].map((row) =>
      [".badge", ".row-actions button"]
        .map((part) => Math.round(row.querySelector(part).getBoundingClientRect().left))
        .join(","),
    ),
  );
  if (new Set(lefts).size !== 1)
    throw new Error(`the rows' status and buttons start at ${lefts.join(" / ")}`);
  await page.screenshot({ path: path.join(shots, "list-light.png"), fullPage: true });
  await axe(page, "list");
});

await check("Save diagnostics… says where the file went and passes axe, in light and dark", async (page) => {
  await page.getByRole("button", { name: "Save diagnostics…" }).click();
  await page.getByText("Saved diagnostics to /home/ada/").waitFor();
  await axe(page, "diagnostics saved, light");
  await page.emulateMedia({ colorScheme: "dark" });
  await axe(page, "diagnostics saved, dark");
});

await check(
  "Add to calendar, after a save and in the list, says where the file went and passes axe",
  async (page) => {
    const [provider, kind] = kinds.find(([, k]) => k.method === "api-token");
    await page.getByRole("button", { name: "Add connection" }).click();
    await page.getByRole("radio", { name: provider.label }).check();
    await page.getByRole("radio", { name: new RegExp(`^${kind.label}`) }).check();
    await page.getByLabel("Atlassian account email").fill("ada@example.com");
    await page.getByLabel(kind.secret_label, { exact: true }).fill(GOOD);
    await page.getByRole("button", { name: "Test", exact: true }).click();
    await page.getByRole("heading", { name: "It works" }).waitFor();
    await page.getByLabel("Expires on").fill(dateInDays(200));
    await page.getByLabel("Connection name").fill("work");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Saved “work”" }).waitFor();
    await page.getByRole("button", { name: "Add to calendar: work's expiry" }).click();
    await page
      .getByText("Saved the reminder to /home/ada/Documents/work-expires.ics: open it with your calendar.")
      .waitFor();
    await axe(page, "saved, calendar file saved, light");
    await page.emulateMedia({ colorScheme: "dark" });
    await axe(page, "saved, calendar file saved, dark");
    await page.getByRole("button", { name: "Back to connections" }).click();
    await page.getByRole("button", { name: "Add to calendar: work's expiry" }).click();
    await page
      .getByRole("status")
      .getByText("Saved the reminder to /home/ada/Documents/work-expires.ics")
      .waitFor();
    await page.screenshot({ path: path.join(shots, "list-calendar-dark.png"), fullPage: true });
    await axe(page, "list, calendar file saved, dark");
  },
);

await check("the form with a result passes axe, in light and dark", async (page) => {
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByLabel("Atlassian account email").fill("ada@example.com");
  await page.getByLabel("API token", { exact: true }).fill(GOOD);
  await page.getByRole("button", { name: "Test", exact: true }).click();
  await page.getByRole("heading", { name: "It works" }).waitFor();
  await page.screenshot({ path: path.join(shots, "form-light.png"), fullPage: true });
  await axe(page, "form, light");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: path.join(shots, "form-dark.png"), fullPage: true });
  await axe(page, "form, dark");
});

/** Whether each element is wholly inside the window, by name. */
function inView(page, selectors) {
  return page.evaluate((named) => {
    const seen = {};
    for (const [name, selector] of Object.entries(named)) {
      const box = document.querySelector(selector)?.getBoundingClientRect();
      seen[name] =
        !!box && box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth;
    }
    return seen;
  }, selectors);
}

/** Waits until the page has stopped scrolling (the verdict is scrolled into view smoothly). */
async function scrollSettled(page) {
  await page.evaluate(
    () =>
      new Promise((done) => {
        let last = -1;
        let still = 0;
        const look = () => {
          still = scrollY === last ? still + 1 : 0;
          last = scrollY;
          if (still >= 10) done();
          else requestAnimationFrame(look);
        };
        look();
      }),
  );
}

const pageHeight = (page) => page.evaluate(() => document.documentElement.scrollHeight);

await check(
  "at 960×680 Generate, the token, Test and the verdict share the screen after Test",
  async (page) => {
    await page.setViewportSize({ width: 960, height: 680 });
    await tabTo(page, () => document.activeElement?.textContent === "Add connection", "Add connection");
    await page.keyboard.press("Enter");
    await page.getByRole("form", { name: "Add a connection" }).waitFor();
    // The fields the person passes on the way to the token; Generate's checklist comes after Test.
    let tabs = 0;
    while (!(await page.evaluate(() => document.activeElement?.id === "secret"))) {
      if (++tabs > 40) throw new Error("Tab never reached the token field");
      await page.keyboard.press("Tab");
    }
    if (tabs > 7) throw new Error(`${tabs} Tab presses from opening the form to the token field`);
    const before = await pageHeight(page);
    // Two columns: "Where to create it" beside the fields, not under them.
    const side = await page.evaluate(
      () =>
        document.querySelector(".generate").getBoundingClientRect().left >=
        document.getElementById("secret").getBoundingClientRect().right,
    );
    if (!side) throw new Error("Where to create it is not beside the fields");
    await page.getByLabel("Atlassian account email").fill("ada@example.com");
    await page.getByLabel("API token", { exact: true }).fill(GOOD);
    await page.getByRole("button", { name: "Test", exact: true }).click();
    await page.getByRole("heading", { name: "It works" }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "report-title");
    await scrollSettled(page);
    const seen = await inView(page, {
      Generate: ".generate button",
      "the token field": "#secret",
      Test: ".test-row button",
      "the verdict": "#report-title",
    });
    const hidden = Object.keys(seen).filter((name) => !seen[name]);
    if (hidden.length) throw new Error(`out of view after Test: ${hidden.join(", ")}`);
    const after = await pageHeight(page);
    await page.screenshot({ path: path.join(shots, "form-960x680-light.png") });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: path.join(shots, "form-960x680-dark.png") });
    await axe(page, "the form at 960×680, dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 1400, height: 900 });
    await scrollSettled(page);
    await page.getByRole("heading", { name: "It works" }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, "form-1400x900-light.png") });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: path.join(shots, "form-1400x900-dark.png") });
    const screens = (px) => (px / 680).toFixed(1);
    console.log(
      `       (Cloud form height at 960×680: ${before} px before Test, ${after} px after, ` +
        `${screens(before)} and ${screens(after)} screens; ${tabs} Tab presses from opening the form to the token field)`,
    );
  },
);

await check("problems are announced with their fix", async (page) => {
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByLabel("Atlassian account email").fill("ada@example.com");
  await page.getByLabel("API token", { exact: true }).fill("ATATT3xFfGF0-missing-scopes");
  await page.getByRole("button", { name: "Test", exact: true }).click();
  await page.getByText(/lacks these scopes: write:pullrequest:bitbucket/).waitFor();
  const status = await page.getByRole("status").textContent();
  if (!status.includes("1 problem")) throw new Error(`status region says ${status}`);
  await axe(page, "form with a problem");
});

await check("the whole flow works with the keyboard alone", async (page) => {
  async function tabTo(predicate, what) {
    for (let i = 0; i < 80; i += 1) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(predicate)) return;
    }
    throw new Error(`Tab never reached ${what}`);
  }
  await tabTo(() => document.activeElement?.textContent === "Add connection", "Add connection");
  await page.keyboard.press("Enter");
  await tabTo(() => document.activeElement?.id === "field-email", "the email field");
  await page.keyboard.type("ada@example.com");
  await tabTo(() => document.activeElement?.id === "secret", "the token field");
  await page.keyboard.type(GOOD);
  await tabTo(() => document.activeElement?.textContent === "Test", "Test");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "It works" }).waitFor();
  // The verdict has the focus, in view.
  await page.waitForFunction(() => document.activeElement?.id === "report-title");
  const seen = await page.evaluate(() => {
    const box = document.activeElement.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });
  if (!seen) throw new Error("the focused verdict is not in view");
  // The expiry is the person's answer: here, the one-year date the button offers.
  await tabTo(() => document.activeElement?.textContent?.trim().startsWith("Use 2"), "the date button");
  await page.keyboard.press("Enter");
  await tabTo(() => document.activeElement?.id === "name", "the name field");
  await page.keyboard.press("Control+a");
  await page.keyboard.type("keyboard");
  await tabTo(() => document.activeElement?.textContent === "Save", "Save");
  // Focus is visible: the focused control has an outline.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  if (outline === "none") throw new Error("the focused button shows no outline");
  await page.keyboard.press("Enter");
  // Focus moves to the confirmation; the next steps are reached with Tab.
  await page.getByRole("heading", { name: "Saved “keyboard”" }).waitFor();
  const focused = await page.evaluate(() => document.activeElement?.id);
  if (focused !== "saved-title") throw new Error(`after Save the focus is on #${focused}`);
  await axe(page, "saved, with its next steps");
  await tabTo(() => document.activeElement?.textContent === "Let git use this connection…", "the git offer");
  await tabTo(() => document.activeElement?.textContent === "Back to connections", "Back to connections");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "keyboard", exact: true }).waitFor();
});

await check("Fix git for Bitbucket works with the keyboard alone at 960×680 and passes axe", async (page) => {
  await page.setViewportSize({ width: 960, height: 680 });
  await page.goto(`${url}?dead-app-password`);
  await page.getByRole("heading", { name: "Repository Connections" }).waitFor();
  const pressOn = async (label) => {
    await tabTo(page, (l) => document.activeElement?.textContent?.trim() === l, label, label);
    await page.keyboard.press("Enter");
  };
  await pressOn("Fix git for Bitbucket");
  await page.getByText("store holds a credential for ada that does not work.").waitFor();
  await axe(page, "Fix git: the scan");
  await page.screenshot({ path: path.join(shots, "fix-git-scan.png"), fullPage: true });
  await pressOn("Create an API token for git");
  await page.getByRole("form", { name: "Add a connection" }).waitFor();
  await tabTo(page, () => document.activeElement?.id === "field-email", "the email field");
  await page.keyboard.type("ada@example.com");
  await tabTo(page, () => document.activeElement?.id === "secret", "the token field");
  await page.keyboard.type(GOOD);
  await pressOn("Test");
  await page.getByRole("heading", { name: "It works" }).waitFor();
  await tabTo(page, () => document.activeElement?.id === "name", "the name field");
  await page.keyboard.press("Control+a");
  await page.keyboard.type("cloud");
  // The expiry is the person's answer: the date its button offers.
  await tabTo(page, () => document.activeElement?.textContent?.trim().startsWith("Use 2"), "the date button");
  await page.keyboard.press("Enter");
  await pressOn("Save");
  await page.getByRole("heading", { name: "Saved “cloud”" }).waitFor();
  await page.getByText("store for ada (kept as plain text in a file)").waitFor();
  if (!(await page.getByRole("checkbox", { name: /Also erase these old credentials/ }).isChecked()))
    throw new Error("erasing the dead app password is not proposed");
  await axe(page, "Fix git: the set-up offer");
  await page.screenshot({ path: path.join(shots, "fix-git-offer.png"), fullPage: true });
  await pressOn("Let git use “cloud”");
  await page.getByText("Git now asks only “cloud” for https://bitbucket.org.").waitFor();
  await pressOn("Back to Fix git");
  await page.getByText("Ready: git asks only your saved connection for bitbucket.org.").waitFor();
  await axe(page, "Fix git: ready");
  await page.screenshot({ path: path.join(shots, "fix-git-ready.png"), fullPage: true });
});

/** Presses Tab until `predicate` holds in the page. */
async function tabTo(page, predicate, what, arg) {
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(predicate, arg)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

/** The text of the listbox's active option (aria-activedescendant), in single spaces. */
function activeOption(page) {
  return page.evaluate(() => {
    const id = document.querySelector("[role=listbox]")?.getAttribute("aria-activedescendant");
    return (id && document.getElementById(id)?.textContent?.replace(/\s+/g, " ").trim()) || "";
  });
}

const optionCount = (page) => page.locator("[role=option]").count();

await check("the repository picker works with the keyboard alone and passes axe", async (page) => {
  await tabTo(page, () => document.activeElement?.textContent === "Add connection", "Add connection");
  await page.keyboard.press("Enter");
  await tabTo(page, () => document.activeElement?.id === "field-email", "the email field");
  await page.keyboard.type("ada@example.com");
  await tabTo(page, () => document.activeElement?.id === "secret", "the token field");
  await page.keyboard.type(GOOD);
  await tabTo(page, () => document.activeElement?.textContent === "Test", "Test");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "It works" }).waitFor();
  await page.getByText("380 repositories in 2 workspaces.").waitFor();
  await axe(page, "form with the picker");
  await tabTo(page, () => document.activeElement?.getAttribute("role") === "listbox", "the listbox");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  if (outline === "none") throw new Error("the focused listbox shows no outline");
  if (!(await activeOption(page)).startsWith("acme/")) throw new Error("no option is active on focus");
  // Type-ahead, then arrows, then Enter picks.
  await page.keyboard.type("mod");
  if (!(await activeOption(page)).startsWith("acme/models")) {
    throw new Error(`type-ahead "mod" reached ${await activeOption(page)}`);
  }
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Enter");
  await page.getByText("Default reviewers of acme/models: Ada Lovelace, Grace Hopper").waitFor();
  await page.getByRole("heading", { name: "It works" }).waitFor();
  const picked = await page.evaluate(() => ({
    workspace: document.getElementById("field-workspace").value,
    repository: document.getElementById("field-repository").value,
    focus: document.activeElement?.getAttribute("role"),
    selected: document.querySelector("[role=option][aria-selected=true]")?.textContent,
    status: document.querySelector("[role=status]")?.textContent,
  }));
  if (picked.workspace !== "acme" || picked.repository !== "models") {
    throw new Error(`the pick filled ${picked.workspace}/${picked.repository}`);
  }
  if (picked.focus !== "listbox") throw new Error(`focus left the listbox for ${picked.focus}`);
  if (!picked.selected?.includes("acme/models")) throw new Error(`selected: ${picked.selected}`);
  if (picked.status !== "Check finished: it works.") throw new Error(`status: ${picked.status}`);
  await page.getByLabel("Expires on").fill(dateInDays(100));
  await page.screenshot({ path: path.join(shots, "picker-light.png"), fullPage: true });
  await axe(page, "picker with a pick, light");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: path.join(shots, "picker-dark.png"), fullPage: true });
  await axe(page, "picker with a pick, dark");
  await page.emulateMedia({ colorScheme: "light" });
  await tabTo(page, () => document.activeElement?.id === "name", "the name field");
  await page.keyboard.press("Control+a");
  await page.keyboard.type("picked");
  await tabTo(page, () => document.activeElement?.textContent === "Save", "Save");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Saved “picked”" }).waitFor();
  await page.getByLabel("Clone address").waitFor();
  await tabTo(
    page,
    () => document.activeElement?.textContent === "Back to connections",
    "Back to connections",
  );
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "picked", exact: true }).waitFor();
  // The connection keeps the repository: editing it shows the fields as picked.
  await tabTo(
    page,
    () => document.activeElement?.getAttribute("aria-label") === "Edit picked",
    "Edit picked",
  );
  await page.keyboard.press("Enter");
  await page.getByRole("form", { name: "Edit picked" }).waitFor();
  const saved = await page.evaluate(
    () =>
      `${document.getElementById("field-workspace").value}/${document.getElementById("field-repository").value}`,
  );
  if (saved !== "acme/models") throw new Error(`the saved connection holds ${saved}`);
});

await check("5,000 repositories: search, keys and scrolling keep under 300 options", async (page) => {
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByLabel("Atlassian account email").fill("ada@example.com");
  await page.getByLabel("API token", { exact: true }).fill(MANY);
  await page.getByRole("button", { name: "Test", exact: true }).click();
  await page.getByText("5,000 repositories in 2 workspaces, and more that are not listed.").waitFor();
  const listbox = page.getByRole("listbox", { name: "This credential can reach" });
  if ((await optionCount(page)) > 100) throw new Error(`${await optionCount(page)} options at first`);
  await listbox.focus();
  const started = Date.now();
  await page.keyboard.press("End");
  await page.waitForFunction(() =>
    document.querySelector("[role=listbox]")?.getAttribute("aria-activedescendant")?.endsWith("-4999"),
  );
  const endMs = Date.now() - started;
  const seen = await page.evaluate(() => {
    const box = document.querySelector("[role=listbox]").getBoundingClientRect();
    const last = document.getElementById("reach-option-4999").getBoundingClientRect();
    return last.bottom <= box.bottom + 1 && last.top >= box.top - 1;
  });
  if (!seen) throw new Error("End did not scroll the last option into view");
  if ((await optionCount(page)) > 300) throw new Error(`${await optionCount(page)} options after End`);
  // Scrolling with the wheel renders further options, never more than 300 at once.
  await page.keyboard.press("Home");
  const box = await listbox.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 40; i += 1) {
    await page.mouse.wheel(0, 1200);
    await page.waitForTimeout(30);
  }
  const rendered = await page.evaluate(() =>
    [...document.querySelectorAll("[role=option]")].map((o) => Number(o.dataset.index)),
  );
  if (rendered.length > 300) throw new Error(`${rendered.length} options after scrolling`);
  if (Math.max(...rendered) < 400) throw new Error(`scrolling rendered only up to ${Math.max(...rendered)}`);
  // The search finds what the cut-short list does not hold; Enter goes to the list, Enter picks.
  await page.getByLabel("Find a repository").focus();
  await page.keyboard.type("zulu");
  await page.getByText("1 repository matches “zulu”.").waitFor();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "It works" }).waitFor();
  const picked = await page.evaluate(
    () =>
      `${document.getElementById("field-workspace").value}/${document.getElementById("field-repository").value}`,
  );
  if (picked !== "zeta-corp/zulu-telemetry") throw new Error(`picked ${picked}`);
  await axe(page, "picker with 5,000 repositories");
  console.log(`       (End across 5,000 repositories: ${endMs} ms)`);
});

await check(
  "a refused certificate: its fingerprint, then the certificate file chosen, and it works",
  async (page) => {
    await page.getByRole("button", { name: "Add connection" }).click();
    await page.getByRole("radio", { name: "Bitbucket Data Center (Server)" }).check();
    await page.getByLabel("Server address").fill(SELF_SIGNED);
    // The server detection shows the refusal beside the address, with its buttons.
    await page.locator(".field [data-code=tls_untrusted]").waitFor();
    await page.getByLabel("Token", { exact: true }).fill(GOOD);
    await page.getByRole("button", { name: "Test", exact: true }).click();
    await page.getByRole("heading", { name: "Could not verify" }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "report-title");
    await page.screenshot({ path: path.join(shots, "certificate-refused-light.png"), fullPage: true });
    await axe(page, "a refused certificate, light");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: path.join(shots, "certificate-refused-dark.png"), fullPage: true });
    await axe(page, "a refused certificate, dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.locator(".report").getByRole("button", { name: "Choose certificate file…" }).click();
    await page.getByRole("heading", { name: "It works" }).waitFor();
    await page.getByTestId("ca-file").waitFor();
    await page.screenshot({ path: path.join(shots, "certificate-trusted-light.png"), fullPage: true });
  },
);

await check(
  "signing in: Data Center's application link and a connection to sign in again pass axe, light and dark",
  async (page) => {
    await page.getByRole("button", { name: "Add connection" }).click();
    await page.getByRole("radio", { name: "Bitbucket Data Center (Server)" }).check();
    await page.getByRole("radio", { name: /^OAuth 2\.0/ }).check();
    await page.getByLabel("Server address").fill("https://git.example.com/bitbucket");
    await page.getByText(/Bitbucket 9\.2\.1 at/).waitFor();
    await page.getByLabel("Application link client ID").fill("linkClient1");
    await page.screenshot({ path: path.join(shots, "dc-sign-in-light.png"), fullPage: true });
    await axe(page, "Data Center sign-in, light");
    await page.emulateMedia({ colorScheme: "dark" });
    await axe(page, "Data Center sign-in, dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.getByRole("button", { name: "Sign in with Bitbucket" }).click();
    await page.getByRole("heading", { name: "It works" }).waitFor();
    await page.getByRole("listbox", { name: "This credential can reach" }).waitFor();
    await axe(page, "Data Center signed in, with the picker");
    // A saved connection whose renewal was refused: its row says so and offers Sign in again.
    await page.goto(`${url}?sign-in-again`);
    await page.getByRole("heading", { name: "work", exact: true }).waitFor();
    await axe(page, "a connection to sign in again");
    await page.getByRole("button", { name: "Sign in again to work" }).click();
    await page.waitForFunction(() => document.activeElement?.id === "sign-in");
    if ((await page.locator("#secret").count()) > 0) throw new Error("Edit of a sign-in shows a token field");
    await page.screenshot({ path: path.join(shots, "sign-in-again-light.png"), fullPage: true });
    await axe(page, "Edit, ready to sign in again, light");
    await page.emulateMedia({ colorScheme: "dark" });
    await axe(page, "Edit, ready to sign in again, dark");
  },
);

await check("plain http is allowed only by ticking it, with a warning", async (page) => {
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByRole("radio", { name: "Bitbucket Data Center (Server)" }).check();
  await page.getByLabel("Server address").fill("http://git.example.com");
  await page.getByLabel("Token", { exact: true }).fill(GOOD);
  await page.getByRole("button", { name: "Test", exact: true }).click();
  await page.getByRole("heading", { name: "It does not work yet" }).waitFor();
  await page
    .locator(".report")
    .getByRole("button", { name: "Allow unencrypted http for this server" })
    .click();
  await page.getByRole("heading", { name: "It works" }).waitFor();
  const ticked = await page
    .getByRole("checkbox", { name: "Allow unencrypted http for this server" })
    .isChecked();
  if (!ticked) throw new Error("the checkbox does not show that http is allowed");
  await page.screenshot({ path: path.join(shots, "http-allowed-light.png"), fullPage: true });
  await axe(page, "http allowed");
});

await check("a problem and the name checked as typed pass axe", async (page) => {
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByLabel("Atlassian account email").fill("ada@example.com");
  await page.getByLabel("API token", { exact: true }).fill(GOOD);
  await page.getByRole("button", { name: "Test", exact: true }).click();
  await page.getByRole("heading", { name: "It works" }).waitFor();
  await page.getByLabel("Connection name").fill("a/b");
  await page.getByText(/cannot be a connection name/).waitFor();
  // Save with the expiry unanswered: the field says so and takes the focus.
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#expires-state.field-error").waitFor();
  await page.waitForFunction(() => document.activeElement?.id === "expires");
  await page.screenshot({ path: path.join(shots, "field-errors-light.png"), fullPage: true });
  await axe(page, "field errors");
});

await check("text fits at 200% zoom (no sideways scrolling)", async (page) => {
  await page.setViewportSize({ width: 480, height: 450 });
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByRole("radio", { name: "Bitbucket Data Center (Server)" }).check();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  if (overflow > 0) throw new Error(`the page is ${overflow}px wider than the window`);
  await page.screenshot({ path: path.join(shots, "zoom-200.png"), fullPage: true });
});

await check(
  "Ctrl+Plus to 200% at 960×680 makes the form one column, without sideways scrolling",
  async (page) => {
    await page.setViewportSize({ width: 960, height: 680 });
    for (let i = 0; i < 5; i += 1) await page.keyboard.press("Control+=");
    const root = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
    if (root !== "32px") throw new Error(`the root font size is ${root} after five Ctrl+Plus`);
    await page.getByRole("button", { name: "Add connection" }).click();
    await page.getByLabel("Atlassian account email").fill("ada@example.com");
    await page.getByLabel("API token", { exact: true }).fill(GOOD);
    await page.getByRole("button", { name: "Test", exact: true }).click();
    await page.getByRole("heading", { name: "It works" }).waitFor();
    // One column: "Where to create it" follows the verdict, at the fields' left edge.
    const layout = await page.evaluate(() => {
      const help = document.querySelector(".generate").getBoundingClientRect();
      const token = document.getElementById("secret").getBoundingClientRect();
      return { sameLeft: Math.abs(help.left - token.left) < 1, below: help.top > token.bottom };
    });
    if (!layout.sameLeft || !layout.below) throw new Error("the form is not one column at 200%");
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (overflow > 0) throw new Error(`the page is ${overflow}px wider than the window`);
    await axe(page, "the form with its verdict at 200% zoom");
    await page.screenshot({ path: path.join(shots, "zoom-200-ctrl-plus.png"), fullPage: true });
  },
);

await browser.close();
const failed = results.filter((ok) => !ok).length;
console.log(`browser e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
