// Writes the updater manifest (latest.json) for a release from the signed update artifacts the
// build produced: each platform's download URL and the content of its .sig file.
//
//   node scripts/updater-manifest.mjs <folder with the bundles> <tag, e.g. v1.2.3> <download base URL>
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const [folder, tag, baseUrl] = process.argv.slice(2);
if (!folder || !tag || !baseUrl) {
  console.error("usage: node scripts/updater-manifest.mjs <folder> <tag> <download base URL>");
  process.exit(2);
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

// Which updater platform key each kind of artifact serves.
const kinds = [
  [/\.AppImage$/, "linux-x86_64-appimage"],
  [/\.deb$/, "linux-x86_64-deb"],
  [/\.rpm$/, "linux-x86_64-rpm"],
  [/\.msi$/, "windows-x86_64-msi"],
  [/-setup\.exe$/, "windows-x86_64-nsis"],
  [/\.app\.tar\.gz$/, "darwin-universal"],
];

const platforms = {};
for (const file of files(folder)) {
  const kind = kinds.find(([pattern]) => pattern.test(file));
  const signature = `${file}.sig`;
  if (!kind || !files(path.dirname(signature)).includes(signature)) continue;
  platforms[kind[1]] = {
    signature: readFileSync(signature, "utf8").trim(),
    url: `${baseUrl}/${encodeURIComponent(path.basename(file))}`,
  };
}
if (platforms["darwin-universal"]) {
  platforms["darwin-aarch64"] = platforms["darwin-universal"];
  platforms["darwin-x86_64"] = platforms["darwin-universal"];
}
if (platforms["linux-x86_64-appimage"]) platforms["linux-x86_64"] = platforms["linux-x86_64-appimage"];
if (platforms["windows-x86_64-nsis"]) platforms["windows-x86_64"] = platforms["windows-x86_64-nsis"];
if (Object.keys(platforms).length === 0) {
  console.error(`no signed update artifact in ${folder}: was TAURI_SIGNING_PRIVATE_KEY set?`);
  process.exit(1);
}

const manifest = {
  version: tag.replace(/^v/, ""),
  notes: `Repository Connections ${tag}`,
  pub_date: new Date().toISOString(),
  platforms,
};
console.log(JSON.stringify(manifest, null, 2));
