// Desktop smoke test: the real app in a real WebKitGTK window, driven through tauri-driver and
// WebKitWebDriver with plain W3C WebDriver calls (no client library to install).
//
//   node tests/desktop/smoke.mjs <app binary> <screenshot.png>
//
// Expects tauri-driver on 127.0.0.1:4444, a DISPLAY and a D-Bus session bus, and REPOCONN_DATA_DIR
// pointing at an empty folder (the app inherits the environment through the driver).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const [appPath, screenshotPath] = process.argv.slice(2);
if (!appPath || !screenshotPath) {
  console.error("usage: node tests/desktop/smoke.mjs <app binary> <screenshot.png>");
  process.exit(2);
}
const DRIVER = process.env.TAURI_DRIVER_URL ?? "http://127.0.0.1:4444";
const DATA_DIR = process.env.REPOCONN_DATA_DIR;
if (!DATA_DIR) throw new Error("REPOCONN_DATA_DIR must point at a scratch folder");
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
const expectedVersion = readFileSync(new URL("../../Cargo.toml", import.meta.url), "utf8").match(
  /\[workspace\.package\][^[]*?version = "([^"]+)"/,
)[1];

async function webdriver(method, route, body) {
  const response = await fetch(`${DRIVER}${route}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${JSON.stringify(json.value)}`);
  return json.value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what, probe, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

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

const session = await webdriver("POST", "/session", {
  capabilities: {
    alwaysMatch: { browserName: "wry", "tauri:options": { application: path.resolve(appPath) } },
  },
});
const sid = session.sessionId;
const find = (css) => webdriver("POST", `/session/${sid}/element`, { using: "css selector", value: css });
const textOf = async (css) => webdriver("GET", `/session/${sid}/element/${(await find(css))[ELEMENT]}/text`);

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

  await check("the capability refuses what it does not grant (the store plugin from the page)", async () => {
    const answer = await webdriver("POST", `/session/${sid}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        window.__TAURI_INTERNALS__.invoke("plugin:store|load", { path: "stolen.json" })
          .then(() => done("allowed"), (err) => done("refused: " + String(err)));`,
      args: [],
    });
    if (!answer.startsWith("refused") || !answer.includes("not allowed")) throw new Error(answer);
  });

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

  await screenshot(screenshotPath.replace(/\.png$/, "-dark.png"));
} finally {
  await webdriver("DELETE", `/session/${sid}`).catch(() => {});
}

const failed = results.filter((r) => !r.ok).length;
console.log(`desktop smoke: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
