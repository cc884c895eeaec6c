// The update end-to-end test in the real window (started by scripts/update-e2e.sh, which builds the
// releases and serves them on 127.0.0.1): Check for updates finds the new version and shows its
// version and notes; Install refuses a tampered file, another key's signature and a signature for
// another version, each with a clear message and nothing changed; the genuine release installs. The
// daily check is off until the person turns it on, and the administrator's policy can turn
// updates off.
//   node tests/desktop/update.mjs <the app copy to update> <screenshot.png>
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { ELEMENT, eventually, newSession, sleep, webdriver } from "./webdriver.mjs";

const [appPath, screenshotPath] = process.argv.slice(2);
const { UPDATE_SRV, UPDATE_REQUESTS, UPDATE_ARTIFACT, REPOCONN_POLICY_FILE, CURRENT, NEW } = process.env;
if (!appPath || !UPDATE_SRV || !NEW) {
  console.error("usage: run by scripts/update-e2e.sh");
  process.exit(2);
}

const sha = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");
/** Which release the server offers next: its latest.json becomes that case's manifest. */
const offer = (name) => copyFileSync(`${UPDATE_SRV}/${name}.json`, `${UPDATE_SRV}/latest.json`);
const manifestRequests = () =>
  readFileSync(UPDATE_REQUESTS, "utf8")
    .split("\n")
    .filter((line) => line.includes("GET /latest.json")).length;

const results = [];
async function check(name, body) {
  try {
    await body();
    results.push(true);
    console.log(`ok   - ${name}`);
  } catch (err) {
    results.push(false);
    console.log(`FAIL - ${name}\n       ${err.message}`);
  }
}

let sid;
const find = (css) => webdriver("POST", `/session/${sid}/element`, { using: "css selector", value: css });
const findXPath = (xpath) => webdriver("POST", `/session/${sid}/element`, { using: "xpath", value: xpath });
const textOf = async (css) => webdriver("GET", `/session/${sid}/element/${(await find(css))[ELEMENT]}/text`);
const click = async (element) => webdriver("POST", `/session/${sid}/element/${element[ELEMENT]}/click`, {});
const button = (label) => findXPath(`//button[normalize-space()="${label}"]`);
const present = async (css) => {
  try {
    await find(css);
    return true;
  } catch {
    return false;
  }
};

async function open() {
  sid = (await newSession(appPath)).sessionId;
  await eventually("the list", () => button("Add connection"));
}
async function close() {
  await webdriver("DELETE", `/session/${sid}`);
  await sleep(300);
}

/** Check for updates, then Install: the problem shown for a release that must be refused. */
async function refused(release) {
  offer(release);
  await click(await button("Check for updates"));
  const heading = await eventually("the offer", () =>
    findXPath(`//h2[normalize-space()="Version ${NEW} is available"]`),
  );
  if (!heading) throw new Error("no offer");
  await click(await button(`Install version ${NEW}`));
  return eventually("the refusal", () => textOf('[data-testid="update-problem"]'), 60000);
}

const before = sha(appPath);
try {
  await open();

  await check("the daily check is off until the person turns it on: nothing is asked at start", async () => {
    // Past the moment the control reads its settings (5 s after the first paint).
    const box = await eventually("the daily check's box", () =>
      findXPath('//label[contains(normalize-space(), "Check once a day")]/input'),
    );
    const selected = await webdriver("GET", `/session/${sid}/element/${box[ELEMENT]}/selected`);
    if (selected) throw new Error("the daily check is on by default");
    await sleep(1500);
    if (manifestRequests() !== 0)
      throw new Error(`${manifestRequests()} request(s) for latest.json at start`);
  });

  await check("Check for updates shows the new version and its notes", async () => {
    offer("good");
    await click(await button("Check for updates"));
    await eventually("the offer", () => findXPath(`//h2[normalize-space()="Version ${NEW} is available"]`));
    const notes = await textOf('[data-testid="update-notes"]');
    if (notes !== `Repository Connections v${NEW}`) throw new Error(`notes: ${notes}`);
    const about = await textOf('[data-testid="update-offer"]');
    if (!about.includes(`You have version ${CURRENT}`)) throw new Error(`offer: ${about}`);
    await sleep(500);
    const png = await webdriver("GET", `/session/${sid}/screenshot`);
    writeFileSync(screenshotPath, Buffer.from(png, "base64"));
    await click(await button("Not now"));
  });

  for (const [release, what] of [
    ["tampered", "a tampered file"],
    ["other-key", "another key's signature"],
    ["other-version", "a signature for another version"],
  ]) {
    await check(`Install refuses ${what}, says so, and changes nothing`, async () => {
      const problem = await refused(release);
      for (const words of [
        `Version ${NEW} was not installed`,
        "signature of the Repository Connections release key",
      ]) {
        if (!problem.includes(words)) throw new Error(`the message lacks "${words}": ${problem}`);
      }
      if (sha(appPath) !== before) throw new Error("the app was changed");
    });
  }

  await check("Install downloads the genuine release, verifies it and installs it", async () => {
    offer("good");
    await click(await button("Check for updates"));
    await click(await eventually("Install", () => button(`Install version ${NEW}`)));
    const status = await eventually(
      "the installed message",
      async () => {
        const text = await textOf('[data-testid="update-status"]');
        return text.includes("is installed") && text;
      },
      60000,
    );
    if (!status.includes(`Version ${NEW} is installed`)) throw new Error(status);
    if (sha(appPath) !== sha(UPDATE_ARTIFACT)) throw new Error("the app copy is not the new release");
  });

  await check("once turned on, the daily check finds the new version by itself after start", async () => {
    const box = await findXPath('//label[contains(normalize-space(), "Check once a day")]/input');
    await click(box);
    await eventually("the box ticked", () =>
      webdriver("GET", `/session/${sid}/element/${box[ELEMENT]}/selected`),
    );
    await close();
    const asked = manifestRequests();
    await open();
    await eventually("the offer, without a click", () =>
      findXPath(`//h2[normalize-space()="Version ${NEW} is available"]`),
    );
    if (manifestRequests() !== asked + 1) throw new Error(`${manifestRequests() - asked} requests`);
    // At most once a day: the next start does not ask again.
    await close();
    await open();
    await sleep(7000);
    if (manifestRequests() !== asked + 1) throw new Error("asked again within the day");
  });

  await check("the administrator's policy can turn updates off: the control says so", async () => {
    writeFileSync(REPOCONN_POLICY_FILE, JSON.stringify({ updates: { check: "off" } }));
    await close();
    const asked = manifestRequests();
    await open();
    const managed = await eventually("the managed notice", () => textOf('[data-testid="updates-managed"]'));
    if (!managed.includes("Updates are managed by your organisation")) throw new Error(managed);
    if (await present("[data-testid=updates] button")) throw new Error("Check for updates is still offered");
    if (manifestRequests() !== asked) throw new Error("the app asked for updates");
  });
} finally {
  if (sid) await close().catch(() => {});
}

const failed = results.filter((ok) => !ok).length;
console.log(`update e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
