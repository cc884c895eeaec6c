// Desktop end-to-end test of the expiry reminders: the real app in its real window, with a
// connection that expires in 7 days in a throwaway store, and a notification server on the
// session bus that records what it is sent (tests/desktop/notification-recorder.py); then its
// expiry saved as a calendar file through the system's save dialog, driven with xdotool.
//
//   node tests/desktop/reminders.mjs <app binary>
//
// Expects (scripts/desktop-e2e.sh sets them up): a tauri-driver at TAURI_DRIVER_URL whose
// REPOCONN_DATA_DIR is an empty folder (the same path in this process's environment), a DISPLAY,
// and the recorder writing to NOTIFICATION_LOG.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ELEMENT, eventually, newSession, sleep, webdriver } from "./webdriver.mjs";

const [appPath] = process.argv.slice(2);
const DATA_DIR = process.env.REPOCONN_DATA_DIR;
const LOG = process.env.NOTIFICATION_LOG;
if (!appPath || !DATA_DIR || !LOG) {
  console.error(
    "usage: REPOCONN_DATA_DIR=… NOTIFICATION_LOG=… node tests/desktop/reminders.mjs <app binary>",
  );
  process.exit(2);
}

/** Today plus `days`, in UTC as the core counts, as YYYY-MM-DD. */
function utcInDays(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

const NAME = "expiring-work";
const EXPIRES = utcInDays(7);
function connection(id, name, expiresOn) {
  return {
    id,
    name,
    provider: "cloud",
    base_url: "https://api.bitbucket.org/",
    method: "api-token",
    email: "ada@example.com",
    bitbucket_username: "ada_lovelace",
    git_username: "ada_lovelace",
    workspace: "acme",
    profile: "pull-requests",
    expires_on: expiresOn,
    created_at: "2026-01-01T10:00:00Z",
    status: "valid",
    secret_key: `conn-${id}`,
  };
}
writeFileSync(
  path.join(DATA_DIR, "connections.json"),
  JSON.stringify({
    schema_version: 1,
    connections: [connection("a1", NAME, EXPIRES), connection("b2", "far-away", utcInDays(200))],
  }),
);

/** What the notification server was sent so far. */
function notifications() {
  if (!existsSync(LOG)) return [];
  return readFileSync(LOG, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
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

/** Whether an instance of the app still runs (one closing holds its single-instance name). */
function appRunning() {
  try {
    // Anchored: this script's own command line names the app too.
    const pattern = `^${path.resolve(appPath).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( |$)`;
    execFileSync("pgrep", ["-f", pattern], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function launch(args = []) {
  // A new instance would hand over to one still exiting, and stop: wait for it to be gone.
  await eventually("the previous instance to exit", () => !appRunning());
  const session = await newSession(path.resolve(appPath), args);
  const sid = session.sessionId;
  const findXPath = (xpath) => webdriver("POST", `/session/${sid}/element`, { using: "xpath", value: xpath });
  const attribute = async (element, name) =>
    webdriver("GET", `/session/${sid}/element/${element[ELEMENT]}/property/${name}`);
  const click = (element) => webdriver("POST", `/session/${sid}/element/${element[ELEMENT]}/click`, {});
  const close = () => webdriver("DELETE", `/session/${sid}`).catch(() => {});
  return { findXPath, attribute, click, close };
}

const before = notifications().length;
let app = await launch();
try {
  await check("the list shows the expiring connection with its Edit button", async () => {
    await eventually("the status of the expiring connection", () =>
      app.findXPath(`//*[@data-testid="status"][contains(., "expires in 7 days")]`),
    );
    await app.findXPath(`//button[@aria-label="Edit ${NAME}"]`);
  });

  let shown;
  await check("after start-up the notification server is sent exactly one reminder, naming it", async () => {
    shown = await eventually("a notification", () =>
      notifications()
        .slice(before)
        .find((n) => n.summary.includes(NAME)),
    );
    await sleep(3000); // anything sent twice would have arrived by now
    const sent = notifications().slice(before);
    if (sent.length !== 1) throw new Error(`sent ${JSON.stringify(sent)}`);
    if (shown.summary !== `"${NAME}" expires in 7 days`)
      throw new Error(`title ${JSON.stringify(shown.summary)}`);
    if (!shown.body.includes(EXPIRES) || !shown.body.includes("Edit"))
      throw new Error(`body ${JSON.stringify(shown.body)}`);
    if (!shown.actions.includes("default"))
      throw new Error(`no click action: ${JSON.stringify(shown.actions)}`);
    const saved = JSON.parse(readFileSync(path.join(DATA_DIR, "connections.json"), "utf8"));
    const reminders = saved.connections.find((c) => c.name === NAME).reminders;
    if (reminders?.shown !== "7_days" || reminders?.expires_on !== EXPIRES)
      throw new Error(`recorded ${JSON.stringify(reminders)}`);
  });

  await check("a click on the reminder opens its Edit with Generate… ready", async () => {
    if (!shown) throw new Error("no reminder to click");
    // What a notification server sends when the notification itself is clicked.
    execFileSync("dbus-send", [
      "--session",
      "--type=signal",
      "/org/freedesktop/Notifications",
      "org.freedesktop.Notifications.ActionInvoked",
      `uint32:${shown.id}`,
      "string:default",
    ]);
    await eventually("the Edit form", () =>
      app.findXPath(`//h2[@id="form-title"][normalize-space()="Edit ${NAME}"]`),
    );
    const generate = await app.findXPath(`//button[normalize-space()="Generate…"]`);
    if (await app.attribute(generate, "disabled")) throw new Error("Generate… is disabled");
  });
} finally {
  await app.close();
}

await check("a second launch sends no reminder again", async () => {
  const sent = notifications().length;
  app = await launch();
  try {
    await eventually("the list", () => app.findXPath(`//button[@aria-label="Edit ${NAME}"]`));
    await sleep(5000); // the reminders are looked for right after the first paint
    const again = notifications().slice(sent);
    if (again.length !== 0) throw new Error(`sent again: ${JSON.stringify(again)}`);
  } finally {
    await app.close();
  }
});

/** The windows titled Repository Connections that are shown (xdotool exits 1 when none is). */
function shownWindows() {
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--name", "Repository Connections"], {
      encoding: "utf8",
    }).trim();
  } catch {
    return "";
  }
}

/** A process and its descendants: each one's command name and resident memory (KiB). */
function processTree(pid) {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid=,rss=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => {
      const [child, parent, rss, ...name] = line.trim().split(/\s+/);
      return { pid: Number(child), ppid: Number(parent), rss: Number(rss), name: name.join(" ") };
    });
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows)
      if (tree.has(row.ppid) && !tree.has(row.pid)) {
        tree.add(row.pid);
        grew = true;
      }
  }
  return rows.filter((row) => tree.has(row.pid));
}

await check(
  "started at login (--hidden): no window, little memory, a due reminder still comes; opening the app shows it",
  async () => {
    // Another connection, due tomorrow: its reminder is sent by the hidden app. Started directly,
    // not through WebDriver: there is no web view to drive until the window is asked for.
    const file = path.join(DATA_DIR, "connections.json");
    const saved = JSON.parse(readFileSync(file, "utf8"));
    saved.connections.push(connection("c3", "due-tomorrow", utcInDays(1)));
    writeFileSync(file, JSON.stringify(saved));
    const sent = notifications().length;
    await eventually("the previous instance to exit", () => !appRunning());
    const hidden = spawn(path.resolve(appPath), ["--hidden"], { stdio: "ignore" });
    try {
      const shown = await eventually("the hidden app's reminder", () =>
        notifications()
          .slice(sent)
          .find((n) => n.summary.includes("due-tomorrow")),
      );
      if (shown.summary !== '"due-tomorrow" expires tomorrow')
        throw new Error(`title ${JSON.stringify(shown.summary)}`);
      if (shownWindows()) throw new Error(`a window is shown: ${shownWindows()}`);
      const tree = processTree(hidden.pid);
      const kib = tree.reduce((sum, row) => sum + row.rss, 0);
      console.log(
        `       hidden and idle: ${(kib / 1024).toFixed(1)} MiB resident in ${tree.length} process(es)`,
      );
      const webviews = tree.filter((row) => row.name.startsWith("WebKit"));
      if (webviews.length) throw new Error(`a web view runs: ${JSON.stringify(webviews)}`);
      // A web view would have started its processes by now; none may be there.
      // Opening the app again hands over to the hidden one, which now creates and shows its window.
      execFileSync(path.resolve(appPath), [], { stdio: "ignore", timeout: 20000 });
      await eventually("the window shown", () => shownWindows());
      await eventually("its web view", () =>
        processTree(hidden.pid).some((row) => row.name.startsWith("WebKit")),
      );
    } finally {
      // Gone, and its single-instance name with it, before the next launch.
      const exited = new Promise((resolve) => hidden.once("exit", resolve));
      hidden.kill();
      await exited;
      await sleep(500);
    }
  },
);

/** Types `path` into the system's save dialog titled `title` (GTK), as a person would, and saves. */
async function saveInDialog(title, file) {
  // It may exist a moment before it is shown (focusing it then fails): retried until visible.
  let focused = false;
  for (let attempt = 0; attempt < 75 && !focused; attempt += 1) {
    try {
      execFileSync("xdotool", ["search", "--onlyvisible", "--name", title, "windowfocus", "--sync"], {
        timeout: 5000,
        stdio: "pipe",
      });
      focused = true;
    } catch {
      await sleep(200);
    }
  }
  if (!focused) throw new Error("the system's save dialog never became visible");
  await sleep(500);
  // The name field has the focus, holding the suggested name: replaced by the whole path.
  execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"]);
  await sleep(200);
  execFileSync("xdotool", ["type", "--delay", "20", file]);
  await sleep(300);
  execFileSync("xdotool", ["key", "Return"]);
}

await check("Add to calendar saves the expiry as an .ics file where the save dialog says", async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "repoconn-ics-")), "expiring.ics");
  app = await launch();
  try {
    await app.click(
      await eventually("the row's Add to calendar", () =>
        app.findXPath(`//button[@aria-label="Add to calendar: ${NAME}'s expiry"]`),
      ),
    );
    await saveInDialog("Save the expiry reminder", file);
    await eventually("the saved reminder", () =>
      app.findXPath(
        `//*[@role="status"][normalize-space()="Saved the reminder to ${file}: open it with your calendar."]`,
      ),
    );
    const ics = readFileSync(file, "utf8");
    const lines = ics.replace(/\r\n /g, "").split("\r\n");
    const expected = `DTSTART;VALUE=DATE:${EXPIRES.replaceAll("-", "")}`;
    if (!lines.includes(expected)) throw new Error(`no ${expected} in ${JSON.stringify(ics)}`);
    for (const line of ["BEGIN:VCALENDAR", "BEGIN:VEVENT", "BEGIN:VALARM", "TRIGGER:-P7D", "END:VCALENDAR"])
      if (!lines.includes(line)) throw new Error(`no ${line} in ${JSON.stringify(ics)}`);
    if (!lines.some((l) => l.startsWith(`SUMMARY:"${NAME}" expires`)))
      throw new Error(`no summary naming ${NAME}: ${JSON.stringify(ics)}`);
  } finally {
    await app.close();
  }
});

const failed = results.filter((r) => !r.ok).length;
console.log(`reminders e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
