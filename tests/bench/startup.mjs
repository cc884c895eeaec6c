// Start-up and memory benchmark of the desktop app against a minimal Tauri hello-world, both in
// release builds, in the same virtual display, through the same WebDriver path:
// - cold start: from asking the driver for a session (which launches the app) until the
//   "Add connection" button is present (for our app: the form options and the saved connections
//   have been read, so the dialog can be used);
// - memory: resident set size of the app and every process it started (WebKit's web and network
//   processes) after 10 s idle.
// The apps are launched in turn (hello, ours, hello, ours, ...), BENCH_RUNS times each (7 by
// default); medians, ranges and the load average are printed, since the machine may be busy.
// More builds of ours (e.g. before and after a change) may follow: each is compared with hello.
//
//   node tests/bench/startup.mjs <hello-world binary> <our binary> [<another build of ours>...]
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { ELEMENT, newSession, sleep, webdriver } from "../desktop/webdriver.mjs";

const [hello, ...ours] = process.argv.slice(2).map((p) => path.resolve(p));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const IDLE_MS = 10_000;

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

/** One launch: milliseconds until "Add connection" is present, and the memory after idling. */
async function launch(binary) {
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
  const ms = performance.now() - started;
  await sleep(IDLE_MS);
  const memory = rssOfTree(binary);
  await webdriver("DELETE", `/session/${sid}`);
  await sleep(300);
  return { ms, kib: memory.kib, processes: memory.processes };
}

const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

// The apps take turns, so that what else the machine does weighs on all of them alike.
const apps = [hello, ...ours];
const runs = apps.map(() => []);
const loadBefore = loadAverage();
for (let run = 0; run < RUNS; run += 1) {
  for (const [index, binary] of apps.entries()) runs[index].push(await launch(binary));
}
const loadAfter = loadAverage();

const startOf = (index) => runs[index].map((r) => r.ms);
const mibOf = (index) => runs[index].map((r) => r.kib / 1024);
const name = (index) =>
  index === 0 ? "hello-world" : ours.length === 1 ? "repoconn" : `repoconn (${apps[index]})`;
console.log(`load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`);
for (const index of apps.keys()) {
  const start = median(startOf(index));
  const mib = median(mibOf(index));
  const ratio = (value, reference) => (index === 0 ? "" : ` = ${(value / reference).toFixed(2)}x`);
  console.log(
    `${name(index)}: cold start to interactive ${start.toFixed(0)} ms (median of ${RUNS}, range ${spread(startOf(index))})${ratio(start, median(startOf(0)))}; ` +
      `memory after ${IDLE_MS / 1000} s idle ${mib.toFixed(1)} MiB (median, range ${spread(mibOf(index))}, ${runs[index][0].processes} processes)${ratio(mib, median(mibOf(0)))}`,
  );
}
