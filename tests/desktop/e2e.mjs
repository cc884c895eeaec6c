// Desktop end-to-end test: the real app in a real WebKitGTK window, driven through tauri-driver
// and WebKitWebDriver with plain W3C WebDriver calls (no client library to install), against the
// fake Bitbucket Cloud and a real Secret Service.
//
//   node tests/desktop/e2e.mjs <app binary> <screenshot.png>
//
// Expects (scripts/desktop-e2e.sh sets them up): tauri-driver at TAURI_DRIVER_URL (127.0.0.1:4444), a DISPLAY, a
// D-Bus session with an unlocked gnome-keyring, REPOCONN_DATA_DIR (an empty folder),
// REPOCONN_KEYCHAIN_SERVICE, REPOCONN_CLOUD_API_URL (the fake) and BROWSER (a script that writes
// the URL it is given to BROWSER_LOG). The app inherits the environment through the driver.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ELEMENT, eventually, newSession, sleep, webdriver } from "./webdriver.mjs";

const [appPath, screenshotPath] = process.argv.slice(2);
if (!appPath || !screenshotPath) {
  console.error("usage: node tests/desktop/e2e.mjs <app binary> <screenshot.png>");
  process.exit(2);
}
const DATA_DIR = process.env.REPOCONN_DATA_DIR;
if (!DATA_DIR) throw new Error("REPOCONN_DATA_DIR must point at a scratch folder");
const expectedVersion = readFileSync(new URL("../../Cargo.toml", import.meta.url), "utf8").match(
  /\[workspace\.package\][^[]*?version = "([^"]+)"/,
)[1];

async function screenshot(file) {
  // A screenshot taken right after a DOM change can show the previous frame.
  await sleep(700);
  const png = await webdriver("GET", `/session/${sid}/screenshot`);
  writeFileSync(file, Buffer.from(png, "base64"));
  console.log(`screenshot: ${file}`);
}

const results = [];
async function check(name, body) {
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   - ${name}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL - ${name}\n       ${err.message}`);
  }
}

const session = await newSession(path.resolve(appPath));
const sid = session.sessionId;
const find = (css) => webdriver("POST", `/session/${sid}/element`, { using: "css selector", value: css });
const findXPath = (xpath) => webdriver("POST", `/session/${sid}/element`, { using: "xpath", value: xpath });
const textOf = async (css) => webdriver("GET", `/session/${sid}/element/${(await find(css))[ELEMENT]}/text`);
const click = async (element) => webdriver("POST", `/session/${sid}/element/${element[ELEMENT]}/click`, {});
const button = (label) => findXPath(`//button[normalize-space()="${label}"]`);
// A heading by its words, after any icon it starts with ("✓ It works").
const heading = (text) =>
  findXPath(
    `//*[self::h2 or self::h3][normalize-space()="${text}" or normalize-space(text()[last()])="${text}"]`,
  );
async function typeInto(css, text) {
  const element = await find(css);
  await webdriver("POST", `/session/${sid}/element/${element[ELEMENT]}/clear`, {});
  await webdriver("POST", `/session/${sid}/element/${element[ELEMENT]}/value`, { text });
}

try {
  await check("the window is titled Repository Connections", async () => {
    const title = await webdriver("GET", `/session/${sid}/title`);
    if (title !== "Repository Connections") throw new Error(`title is ${JSON.stringify(title)}`);
  });

  await check("the page shows our heading", async () => {
    const heading = await eventually("the h1", () => textOf("h1"));
    if (heading !== "Repository Connections") throw new Error(`h1 reads ${JSON.stringify(heading)}`);
  });

  await check("app_info crosses the IPC bridge: the footer shows the version from Rust", async () => {
    const version = await eventually("the version line", () => textOf("[data-testid=version]"));
    if (version !== `Version ${expectedVersion}`)
      throw new Error(`version line reads ${JSON.stringify(version)}`);
    const keychain = await textOf("[data-testid=keychain]");
    if (!keychain.includes("Secret Service"))
      throw new Error(`keychain line reads ${JSON.stringify(keychain)}`);
  });

  await screenshot(screenshotPath);

  await check("the capability refuses what it does not grant (the store plugin from the page)", async () => {
    const answer = await webdriver("POST", `/session/${sid}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        window.__TAURI_INTERNALS__.invoke("plugin:store|load", { path: "stolen.json" })
          .then(() => done("allowed"), (err) => done("refused: " + String(err)));`,
      args: [],
    });
    if (!answer.startsWith("refused") || !answer.includes("not allowed")) throw new Error(answer);
  });

  // The token the fake Cloud accepts with every scope of the pull-requests profile
  // (tests/fake-bitbucket/src/cloud.rs, TOKEN_FULL).
  const token = "ATATT3xFfGF0fullFULLfull0000";

  const gitHome = process.env.GIT_HOME;
  const gitEnv = { ...process.env, HOME: gitHome, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };

  await check("Fix git for Bitbucket names the dead app password git's store helper holds", async () => {
    await click(await eventually("the Fix git button", () => button("Fix git for Bitbucket")));
    await eventually("the scan", () =>
      findXPath(`//*[contains(normalize-space(), "holds a credential for ada that does not work")]`),
    );
    const problem = await textOf("[data-code=app_password_disabled]");
    if (!/app password/i.test(problem)) throw new Error(`the problem reads ${JSON.stringify(problem)}`);
    await screenshot(screenshotPath.replace(/\.png$/, "-git-scan.png"));
  });

  await check("a Cloud API-token connection is added through the dialog, from Fix git", async () => {
    await click(await button("Create an API token for git"));
    await eventually("the form", () => heading("Add a connection"));
    await typeInto("#field-email", "ada@example.com");
    await typeInto("#secret", token);
    await click(await button("Test"));
    await eventually("the result", () => heading("It works"), 20000);
    // Pressing Test never looks like nothing happened: the verdict has the focus.
    const focused = await eventually("the focus on the verdict", () =>
      webdriver("POST", `/session/${sid}/execute/sync`, {
        script: "return document.activeElement?.id === 'report-title' ? 'report-title' : null",
        args: [],
      }),
    );
    if (focused !== "report-title") throw new Error("the verdict does not have the focus");
    const git = await textOf("[data-testid=git-username]");
    if (git !== "ada_lovelace") throw new Error(`git username shown: ${git}`);
    await typeInto("#name", "work");
    await screenshot(screenshotPath.replace(/\.png$/, "-form.png"));
  });

  await check("the picker lists what the token reaches, from the fake Cloud through Rust", async () => {
    await eventually("the picker", () => heading("This credential can reach"), 15000);
    const option = await eventually("acme/models in the listbox", () =>
      findXPath(`//*[@role="option"][contains(normalize-space(), "acme/models")]`),
    );
    await webdriver("POST", `/session/${sid}/execute/sync`, {
      script: "arguments[0].scrollIntoView({block: 'center'});",
      args: [option],
    });
    await screenshot(screenshotPath.replace(/\.png$/, "-picker.png"));
  });

  await check("the checked connection is saved and git set-up is offered at once", async () => {
    // The expiry is the person's answer: the one-year date its button offers.
    await click(await findXPath(`//button[starts-with(normalize-space(), "Use 2")]`));
    await click(await button("Save"));
    await eventually("the confirmation", () => heading("✓ Saved “work”"), 15000);
    await eventually("the git set-up", () => heading("Let git use “work”"), 15000);
    const erase = await eventually("the consent to erase", () =>
      findXPath(`//label[contains(normalize-space(), "Also erase these old credentials")]/input`),
    );
    const ticked = await webdriver("GET", `/session/${sid}/element/${erase[ELEMENT]}/selected`);
    if (!ticked) throw new Error("coming from Fix git, erasing the dead app password is not proposed");
    await screenshot(screenshotPath.replace(/\.png$/, "-saved.png"));
  });

  await check(
    "git is set up: the app password erased, git's own fill answers with the saved token",
    async () => {
      await click(await button("Let git use “work”"));
      const done = await eventually("the set-up", () => textOf("[data-testid=git-setup-done]"), 15000);
      if (!done.includes("Git now asks only “work” for https://bitbucket.org")) throw new Error(done);
      const stored = readFileSync(path.join(gitHome, ".git-credentials"), "utf8");
      if (stored.includes("ATBB"))
        throw new Error(`~/.git-credentials still holds the app password: ${stored}`);
      const filled = execFileSync("git", ["credential", "fill"], {
        input: "protocol=https\nhost=bitbucket.org\n\n",
        env: gitEnv,
        timeout: 15000,
      }).toString();
      if (!filled.includes(`password=${token}`) || !filled.includes("username=ada_lovelace"))
        throw new Error(`git credential fill answered ${filled.replace(/password=.*/, "password=…")}`);
      execFileSync("git", ["credential", "approve"], { input: filled, env: gitEnv, timeout: 15000 });
      const after = readFileSync(path.join(gitHome, ".git-credentials"), "utf8");
      if (after.includes(token)) throw new Error("git's store helper kept a copy of the token");
    },
  );

  await check("a final scan shows git ready for bitbucket.org", async () => {
    await click(await button("Back to Fix git"));
    const ready = await eventually("the ready line", () => textOf("[data-testid=host-ready]"), 15000);
    if (!ready.includes("git asks only your saved connection for bitbucket.org")) throw new Error(ready);
    await screenshot(screenshotPath.replace(/\.png$/, "-git-ready.png"));
    await click(await button("Back to connections"));
    await eventually("the saved connection in the list", () => heading("work"), 15000);
    await screenshot(screenshotPath.replace(/\.png$/, "-list.png"));
  });

  await check("the keychain holds the token and the metadata file does not", async () => {
    const metadata = readFileSync(path.join(DATA_DIR, "connections.json"), "utf8");
    if (metadata.includes(token)) throw new Error("connections.json contains the token");
    const key = JSON.parse(metadata).connections[0].secret_key;
    const stored = execFileSync("secret-tool", [
      "lookup",
      "service",
      process.env.REPOCONN_KEYCHAIN_SERVICE,
      "username",
      key,
    ]).toString();
    if (stored !== token) throw new Error(`the keychain holds ${JSON.stringify(stored)} under ${key}`);
  });

  await check("edit without a new token: rename and change the expiry", async () => {
    const file = path.join(DATA_DIR, "connections.json");
    const before = JSON.parse(readFileSync(file, "utf8")).connections[0];
    await click(await findXPath(`//button[@aria-label="Edit work"]`));
    await eventually("the edit form", () => heading("Edit work"));
    const hint = await textOf("#secret-hint");
    if (
      !/^A token is saved \(added \d{1,2} [A-Z][a-z]+ \d{4}\)\. Paste a new one only to replace it\.$/.test(
        hint,
      )
    )
      throw new Error(`the secret field says ${JSON.stringify(hint)}`);
    await webdriver("POST", `/session/${sid}/execute/sync`, {
      script: "document.getElementById('secret').scrollIntoView({ block: 'center' })",
      args: [],
    });
    await screenshot(screenshotPath.replace(/\.png$/, "-edit-saved-token.png"));
    // The token field stays empty: Test checks the saved token, in the keychain.
    await click(await button("Test"));
    await eventually("the result", () => heading("It works"), 20000);
    await typeInto("#name", "office");
    const expires = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
    await webdriver("POST", `/session/${sid}/execute/sync`, {
      script: `const input = document.getElementById("expires");
        input.value = arguments[0];
        input.dispatchEvent(new Event("input", { bubbles: true }));`,
      args: [expires],
    });
    await screenshot(screenshotPath.replace(/\.png$/, "-edit.png"));
    await click(await button("Save"));
    await eventually("the confirmation", () => heading("✓ Saved “office”"), 15000);
    const after = JSON.parse(readFileSync(file, "utf8")).connections;
    if (after.length !== 1) throw new Error(`${after.length} connections after the edit`);
    const [office] = after;
    if (office.name !== "office" || office.expires_on !== expires || office.id !== before.id)
      throw new Error(`saved as ${JSON.stringify({ name: office.name, expires: office.expires_on })}`);
    if (office.secret_key !== before.secret_key)
      throw new Error(`the keychain item changed: ${before.secret_key} → ${office.secret_key}`);
    const stored = execFileSync("secret-tool", [
      "lookup",
      "service",
      process.env.REPOCONN_KEYCHAIN_SERVICE,
      "username",
      office.secret_key,
    ]).toString();
    if (stored !== token) throw new Error("the keychain item no longer holds the token");
    await click(await button("Back to connections"));
    await eventually("the renamed connection in the list", () => heading("office"), 15000);
    await screenshot(screenshotPath.replace(/\.png$/, "-edited.png"));
  });

  await check("choosing a theme saves it through the store plugin", async () => {
    const option = await find('select option[value="dark"]');
    await webdriver("POST", `/session/${sid}/element/${option[ELEMENT]}/click`, {});
    const file = path.join(DATA_DIR, "preferences.json");
    const saved = await eventually("preferences.json", () => existsSync(file) && readFileSync(file, "utf8"));
    if (JSON.parse(saved).preferences?.theme !== "dark") throw new Error(`preferences.json holds ${saved}`);
    const theme = await webdriver("POST", `/session/${sid}/execute/sync`, {
      script: "return document.documentElement.dataset.theme ?? null",
      args: [],
    });
    if (theme !== "dark") throw new Error(`data-theme is ${theme}`);
  });

  await check("the dark theme shows the check result too", async () => {
    await click(await button("Add connection"));
    await typeInto("#field-email", "ada@example.com");
    await typeInto("#secret", token);
    await click(await button("Test"));
    await eventually("the result", () => heading("It works"), 20000);
    await webdriver("POST", `/session/${sid}/execute/sync`, {
      script: "document.getElementById('report-title').scrollIntoView({ block: 'start' })",
      args: [],
    });
    await screenshot(screenshotPath.replace(/\.png$/, "-form-dark.png"));
    await click(await button("Back to connections"));
    await eventually("the list", () => heading("Connections"));
  });

  await check("Generate opens the API-token page in the browser", async () => {
    await click(await button("Add connection"));
    await click(await eventually("the Generate button", () => button("Generate…")));
    const log = process.env.BROWSER_LOG;
    const opened = await eventually(
      "the browser",
      () => existsSync(log) && readFileSync(log, "utf8").trim(),
    ).catch(async (err) => {
      const page = await webdriver("POST", `/session/${sid}/execute/sync`, {
        script:
          "return [...document.querySelectorAll('[role=status],[role=alert]')].map((e) => e.textContent).join(' / ')",
        args: [],
      });
      throw new Error(`${err.message}; the page says: ${page.slice(0, 600)}`);
    });
    if (opened !== "https://id.atlassian.com/manage-profile/security/api-tokens")
      throw new Error(`opened ${opened}`);
    await click(await button("Back to connections"));
  });

  const personalToken = "NjQ5MjcxNTM0OTk2OnWriteTokenForAdaXYZ0123"; // fake-bitbucket's PERSONAL_TOKEN

  await check("an old Data Center greys out the tokens it cannot issue and picks the password", async () => {
    await click(await button("Add connection"));
    await click(
      await findXPath(`//label[contains(normalize-space(), "Bitbucket Data Center (Server)")]/input`),
    );
    await typeInto("#server", `${process.env.DC_OLD_URL}bitbucket`);
    await eventually("the reason", () =>
      findXPath(`//*[contains(normalize-space(), "Needs Bitbucket 5.5 or newer")]`),
    );
    const state = await webdriver("POST", `/session/${sid}/execute/sync`, {
      script: `const radio = (t) => [...document.querySelectorAll("input[type=radio]")].find((r) => r.closest("label")?.textContent.includes(t));
        return { personal: radio("Personal HTTP access token")?.disabled, basic: radio("Username and password")?.checked };`,
      args: [],
    });
    if (!state.personal || !state.basic) throw new Error(`on 5.4: ${JSON.stringify(state)}`);
    await screenshot(screenshotPath.replace(/\.png$/, "-old-server.png"));
    await click(await button("Back to connections"));
  });

  await check(
    "a private CA: the certificate file chosen in the system's dialog, and the check passes",
    async () => {
      await click(await button("Add connection"));
      await click(
        await findXPath(`//label[contains(normalize-space(), "Bitbucket Data Center (Server)")]/input`),
      );
      await typeInto("#server", `${process.env.DC_TLS_URL}bitbucket`);
      await eventually("the refused certificate", () => find("[data-code=tls_untrusted]"), 20000);
      await screenshot(screenshotPath.replace(/\.png$/, "-certificate.png"));
      await click(await button("Choose certificate file…"));
      // The system's file dialog (GTK): type the path into it, as a person would, and press Enter.
      const env = { ...process.env };
      // It may exist a moment before it is shown (focusing it then fails): retried until visible.
      let focused = false;
      for (let attempt = 0; attempt < 75 && !focused; attempt += 1) {
        try {
          execFileSync(
            "xdotool",
            ["search", "--onlyvisible", "--name", "Choose the certificate file", "windowfocus", "--sync"],
            { env, timeout: 5000, stdio: "pipe" },
          );
          focused = true;
        } catch {
          await sleep(200);
        }
      }
      if (!focused) throw new Error("the system's file dialog never became visible");
      await sleep(500);
      execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+l"], { env });
      await sleep(300);
      execFileSync("xdotool", ["type", "--delay", "20", process.env.DC_CA_FILE], { env });
      await sleep(300);
      execFileSync("xdotool", ["key", "Return"], { env });
      await eventually(
        "the server trusted through the chosen file",
        () => findXPath(`//*[contains(normalize-space(), "Bitbucket 9.2.1 at")]`),
        20000,
      );
      await typeInto("#secret", personalToken);
      await click(await button("Test"));
      await eventually("the result", () => heading("It works"), 20000);
      await screenshot(screenshotPath.replace(/\.png$/, "-certificate-trusted.png"));
      await click(await button("Back to connections"));
    },
  );

  await check(
    "Sign in with Bitbucket (OAuth): the browser comes back, the token works, the tokens go to the keychain",
    async () => {
      // From the list, whatever the step before left on screen (Escape goes back).
      await webdriver("POST", `/session/${sid}/execute/sync`, {
        script: "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))",
        args: [],
      });
      await click(await eventually("the Add connection button", () => button("Add connection")));
      await click(await findXPath(`//label[contains(normalize-space(), "OAuth 2.0")]/input`));
      // fake-bitbucket's consumer (tests/fake-bitbucket/src/cloud_oauth.rs).
      await typeInto("#consumer-key", "fakeConsumerKey123");
      await typeInto("#consumer-secret", "fakeConsumerSecret456");
      await click(await button("Sign in with Bitbucket"));
      await eventually("the result", () => heading("It works"), 30000);
      const opened = readFileSync(process.env.BROWSER_LOG, "utf8");
      if (!opened.includes("/site/oauth2/authorize?") || !opened.includes("code_challenge="))
        throw new Error(`the browser was given ${opened}`);
      await typeInto("#name", "signed-in");
      await screenshot(screenshotPath.replace(/\.png$/, "-oauth.png"));
      await click(await button("Save"));
      await eventually("the confirmation", () => heading("✓ Saved “signed-in”"), 15000);
      const metadata = readFileSync(path.join(DATA_DIR, "connections.json"), "utf8");
      if (
        metadata.includes("oauth-access-") ||
        metadata.includes("oauth-refresh-") ||
        metadata.includes("fakeConsumerSecret")
      )
        throw new Error("connections.json holds a token or the consumer secret");
      const saved = JSON.parse(metadata).connections.find((c) => c.name === "signed-in");
      if (saved?.method !== "oauth") throw new Error(`saved as ${saved?.method}`);
      const stored = execFileSync("secret-tool", [
        "lookup",
        "service",
        process.env.REPOCONN_KEYCHAIN_SERVICE,
        "username",
        saved.secret_key,
      ]).toString();
      if (!stored.includes("oauth-refresh-")) throw new Error("the keychain does not hold the refresh token");
      await click(await button("Back to connections"));
    },
  );

  await check(
    "Sign in to Data Center (application link from the policy): locked client ID, redirect URL, picker, saved with its tokens",
    async () => {
      await webdriver("POST", `/session/${sid}/execute/sync`, {
        script: "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))",
        args: [],
      });
      await click(await eventually("the Add connection button", () => button("Add connection")));
      await click(await findXPath(`//label[contains(normalize-space(), "Bitbucket Data Center")]/input`));
      await click(await findXPath(`//label[contains(normalize-space(), "OAuth 2.0")]/input`));
      // The fake serves plain http: the person allows it for this server.
      await typeInto("#server", process.env.DC_OAUTH_URL);
      await click(await eventually("the http choice", () => find("#allow-http")));
      await eventually(
        "the server's version",
        () => findXPath(`//*[contains(normalize-space(), "Bitbucket 9.2.1 at")]`),
        20000,
      );
      // The policy's link for this server: its client ID locked, its redirect URL to copy.
      const consumer = await eventually("the policy's client ID", () =>
        textOf("[data-testid=oauth-consumer]"),
      );
      if (!consumer.includes("3f1c2a9b8d7e6f50a4b3c2d1e0f9a8b7 (set by your organisation)"))
        throw new Error(`the client ID line reads ${JSON.stringify(consumer)}`);
      const redirect = await webdriver("POST", `/session/${sid}/execute/sync`, {
        script: "return document.getElementById('redirect-url')?.value ?? null",
        args: [],
      });
      if (redirect !== process.env.DC_OAUTH_REDIRECT) throw new Error(`the redirect URL reads ${redirect}`);
      await webdriver("POST", `/session/${sid}/execute/sync`, {
        script: "document.getElementById('sign-in').scrollIntoView({ block: 'end' })",
        args: [],
      });
      await screenshot(screenshotPath.replace(/\.png$/, "-dc-oauth-link.png"));
      await click(await button("Sign in with Bitbucket"));
      await eventually("the result", () => heading("It works"), 30000);
      const opened = readFileSync(process.env.BROWSER_LOG, "utf8");
      if (!opened.startsWith(`${process.env.DC_OAUTH_URL}/rest/oauth2/latest/authorize?`))
        throw new Error(`the browser was given ${opened}`);
      if (!opened.includes(`redirect_uri=${encodeURIComponent(process.env.DC_OAUTH_REDIRECT)}`))
        throw new Error(`the browser was not sent back to the registered redirect URL: ${opened}`);
      // The picker lists with the sign-in's tokens, and a pick checks them again (check_signed_in).
      await eventually("the picker's search box", () => find("#reach-search"), 20000);
      await typeInto("#reach-search", "models");
      await click(
        await eventually("DATA/models in the picker", () =>
          findXPath(
            `//*[@id="reach-list"]//*[@role="option"][starts-with(normalize-space(), "DATA/models")]`,
          ),
        ),
      );
      await eventually("the repository filled in", async () => {
        const value = await webdriver("POST", `/session/${sid}/execute/sync`, {
          script: "return document.getElementById('field-repository')?.value ?? null",
          args: [],
        });
        return value === "models";
      });
      await eventually("the pick checked", () => heading("It works"), 20000);
      await typeInto("#name", "dc-signed-in");
      await screenshot(screenshotPath.replace(/\.png$/, "-dc-oauth.png"));
      await click(await button("Save"));
      await eventually("the confirmation", () => heading("✓ Saved “dc-signed-in”"), 15000);
      const metadata = readFileSync(path.join(DATA_DIR, "connections.json"), "utf8");
      if (/oauth-(access|refresh)-|dcLinkSecret/.test(metadata))
        throw new Error("connections.json holds a token or the link's secret");
      const saved = JSON.parse(metadata).connections.find((c) => c.name === "dc-signed-in");
      if (saved?.method !== "data-center-oauth") throw new Error(`saved as ${saved?.method}`);
      if (saved.bitbucket_username !== "ada") throw new Error(`saved as user ${saved.bitbucket_username}`);
      if (saved.project !== "DATA" || saved.repository !== "models")
        throw new Error(`saved with ${saved.project}/${saved.repository}`);
      const stored = execFileSync("secret-tool", [
        "lookup",
        "service",
        process.env.REPOCONN_KEYCHAIN_SERVICE,
        "username",
        saved.secret_key,
      ]).toString();
      if (!stored.includes("oauth-refresh-")) throw new Error("the keychain does not hold the refresh token");
      if (!stored.includes(process.env.DC_OAUTH_REDIRECT))
        throw new Error("the keychain's tokens lack the redirect URL a refresh must repeat");
      await click(await button("Back to connections"));
    },
  );

  await check("a second launch hands over to the first window and exits", async () => {
    const second = spawn(path.resolve(appPath), [], { stdio: "ignore" });
    const code = await Promise.race([
      new Promise((resolve) => second.on("exit", (status) => resolve(status))),
      sleep(20000).then(() => "still running after 20 s"),
    ]);
    if (code !== 0) {
      second.kill("SIGKILL");
      throw new Error(`second instance: ${code}`);
    }
    const title = await webdriver("GET", `/session/${sid}/title`);
    if (title !== "Repository Connections") throw new Error("the first window is gone");
  });

  await screenshot(screenshotPath.replace(/\.png$/, "-list-dark.png"));
} finally {
  await webdriver("DELETE", `/session/${sid}`).catch(() => {});
}

const failed = results.filter((r) => !r.ok).length;
console.log(`desktop e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
