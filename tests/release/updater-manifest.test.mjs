// The updater manifest of a release lists each signed artifact with its signature and URL.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";

const script = new URL("../../scripts/updater-manifest.mjs", import.meta.url).pathname;

test("signed artifacts become platforms of latest.json", () => {
  const dist = mkdtempSync(path.join(tmpdir(), "release-"));
  mkdirSync(path.join(dist, "deb"));
  writeFileSync(path.join(dist, "deb", "Repository Connections_1.2.3_amd64.deb"), "deb");
  writeFileSync(path.join(dist, "deb", "Repository Connections_1.2.3_amd64.deb.sig"), "c2lnbmF0dXJl\n");
  writeFileSync(path.join(dist, "unsigned.rpm"), "rpm");
  const out = execFileSync("node", [script, dist, "v1.2.3", "https://example.test/dl"], { encoding: "utf8" });
  const manifest = JSON.parse(out);
  assert.equal(manifest.version, "1.2.3");
  assert.deepEqual(Object.keys(manifest.platforms), ["linux-x86_64-deb"]);
  assert.equal(manifest.platforms["linux-x86_64-deb"].signature, "c2lnbmF0dXJl");
  assert.equal(
    manifest.platforms["linux-x86_64-deb"].url,
    "https://example.test/dl/Repository%20Connections_1.2.3_amd64.deb",
  );
});

test("no signed artifact is an error, not an empty manifest", () => {
  const dist = mkdtempSync(path.join(tmpdir(), "release-"));
  writeFileSync(path.join(dist, "a.deb"), "deb");
  assert.throws(() =>
    execFileSync("node", [script, dist, "v1.0.0", "https://example.test"], { stdio: "pipe" }),
  );
});
