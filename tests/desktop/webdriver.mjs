// Plain W3C WebDriver over fetch, shared by the desktop tests and the start-up benchmark: no
// client library to install, and the same calls tauri-driver and WebKitWebDriver understand.
export const DRIVER = process.env.TAURI_DRIVER_URL ?? "http://127.0.0.1:4444";
export const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export async function webdriver(method, route, body) {
  const response = await fetch(`${DRIVER}${route}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${JSON.stringify(json.value)}`);
  return json.value;
}

/** Starts the app at `application` in a new session. */
export function newSession(application, args = []) {
  return webdriver("POST", "/session", {
    capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application, args } } },
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first truthy answer of `probe`, asked every 100 ms until `timeoutMs`; its last error told. */
export async function eventually(what, probe, timeoutMs = 20000) {
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
