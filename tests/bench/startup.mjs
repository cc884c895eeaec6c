// Start-up and memory benchmark of the desktop app against a minimal Tauri hello-world, both in
// release builds, in the same virtual display, through the same WebDriver path:
// - cold start: from asking the driver for a session (which launches the app) until the
//   "Add connection" button is present (for our app: the form options and the saved connections
//   have been read, so the dialog can be used);
// - memory: resident set size of the app and every process it started (WebKit's web and network
//   processes) after 10 s idle.
//
//   node tests/bench/startup.mjs <hello-world binary> <our binary>
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { ELEMENT, newSession, sleep, webdriver } from "../desktop/webdriver.mjs";

const [hello, ours] = process.argv.slice(2).map((p) => path.resolve(p));
const RUNS = 7;

function children() {
  const parents = new Map();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(pid), ppid);
    } catch {}
  }
  return parents;
}

/** RSS in KiB of the newest process running `binary`, and of all its descendants. */
function rssOfTree(binary) {
  const parents = children();
  const roots = [...parents.keys()].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] === binary;
    } catch {
      return false;
    }
  });
  const root = Math.max(...roots);
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of tree) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    } catch {}
  }
  return { kib: total, processes: tree.size };
}

async function measure(binary) {
  const starts = [];
  let memory;
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const session = await newSession(binary);
    const sid = session.sessionId;
    for (;;) {
      try {
        const found = await webdriver("POST", `/session/${sid}/element`, {
          using: "xpath",
          value: '//button[normalize-space()="Add connection"]',
        });
        if (found[ELEMENT]) break;
      } catch {}
      await sleep(5);
    }
    starts.push(performance.now() - started);
    if (run === RUNS - 1) {
      await sleep(10_000);
      memory = rssOfTree(binary);
    }
    await webdriver("DELETE", `/session/${sid}`);
    await sleep(300);
  }
  starts.sort((a, b) => a - b);
  return { median: starts[Math.floor(RUNS / 2)], memory };
}

const reference = await measure(hello);
const app = await measure(ours);
const mib = (kib) => (kib / 1024).toFixed(1);
console.log(
  `cold start to interactive (median of ${RUNS}): hello-world ${reference.median.toFixed(0)} ms, repoconn ${app.median.toFixed(0)} ms = ${(app.median / reference.median).toFixed(2)}x`,
);
console.log(
  `resident memory after 10 s idle: hello-world ${mib(reference.memory.kib)} MiB (${reference.memory.processes} processes), repoconn ${mib(app.memory.kib)} MiB (${app.memory.processes} processes) = ${(app.memory.kib / reference.memory.kib).toFixed(2)}x`,
);
