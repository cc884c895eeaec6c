// Opens the installed app (from the .deb) through tauri-driver, reads its heading, takes a
// screenshot, and closes it.
//
//   node tests/desktop/installed.mjs /usr/bin/repoconn-app <screenshot.png>
import { writeFileSync } from "node:fs";
import { ELEMENT, newSession, webdriver } from "./webdriver.mjs";

const [app, shot] = process.argv.slice(2);

const started = performance.now();
const { sessionId } = await newSession(app);
let heading = "";
for (let i = 0; i < 200 && heading !== "Repository Connections"; i += 1) {
  try {
    const h1 = await webdriver("POST", `/session/${sessionId}/element`, {
      using: "css selector",
      value: "h1",
    });
    heading = await webdriver("GET", `/session/${sessionId}/element/${h1[ELEMENT]}/text`);
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const firstWindow = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 700));
writeFileSync(shot, Buffer.from(await webdriver("GET", `/session/${sessionId}/screenshot`), "base64"));
await webdriver("DELETE", `/session/${sessionId}`);
const ok = heading === "Repository Connections";
console.log(
  `installed app: window with heading ${JSON.stringify(heading)} after ${firstWindow.toFixed(0)} ms`,
);
console.log(`installed app: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
