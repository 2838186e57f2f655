#!/usr/bin/env node
/**
 * `node scripts/stamp-repository.mjs [root]`: before publishing, point the `repository` field
 * of every public package under `<root>/packages/` (default: this repository) at the GitHub
 * repository that runs the release workflow:
 *
 *   { "type": "git", "url": "git+<GITHUB_SERVER_URL>/<GITHUB_REPOSITORY>.git", "directory": "packages/<folder>" }
 *
 * npm's trusted publishing and provenance reject a package whose `repository.url` is not the
 * repository the workflow runs in, and forks publish from their own; the committed field is
 * only a placeholder. GitHub Actions sets both variables; without them the script exits 1 and
 * changes nothing. Prints one line per stamped package.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HINT =
  "GitHub Actions sets GITHUB_SERVER_URL and GITHUB_REPOSITORY; elsewhere set them to the repository " +
  "that publishes, e.g. GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=owner/name";

/** The repository URL from the workflow's variables, or every problem with them. */
function repositoryUrl(env) {
  const problems = [];
  const server = env.GITHUB_SERVER_URL?.replace(/\/+$/, "");
  const repository = env.GITHUB_REPOSITORY;
  if (!server) problems.push("GITHUB_SERVER_URL is not set");
  else if (!/^https:\/\/[^/\s]+$/.test(server))
    problems.push(`GITHUB_SERVER_URL must be https://<host> (got ${JSON.stringify(server)})`);
  if (!repository) problems.push("GITHUB_REPOSITORY is not set");
  else if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
    problems.push(`GITHUB_REPOSITORY must be owner/name (got ${JSON.stringify(repository)})`);
  return problems.length ? { problems } : { url: `git+${server}/${repository}.git` };
}

/** Folders under `<root>/packages/` whose package.json is not `private`, with their manifests. */
function publicPackages(root) {
  return readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const file = join(root, "packages", entry.name, "package.json");
      try {
        return { folder: entry.name, file, manifest: JSON.parse(readFileSync(file, "utf8")) };
      } catch {
        return undefined; // no package.json: not a package
      }
    })
    .filter((p) => p && !p.manifest.private)
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

/** Sets `repository` in place (its key keeps its position; a new one goes before `publishConfig`). */
function stamp(manifest, url, folder) {
  const repository = { type: "git", url, directory: `packages/${folder}` };
  if ("repository" in manifest || !("publishConfig" in manifest)) return { ...manifest, repository };
  const entries = Object.entries(manifest);
  const at = entries.findIndex(([key]) => key === "publishConfig");
  return Object.fromEntries([...entries.slice(0, at), ["repository", repository], ...entries.slice(at)]);
}

function main() {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL("..", import.meta.url)));
  const { url, problems } = repositoryUrl(process.env);
  if (problems) {
    console.error(`stamp-repository: ${problems.join("; ")}. ${HINT}`);
    process.exit(1);
  }
  const packages = publicPackages(root);
  if (packages.length === 0) {
    console.error(`stamp-repository: no public package under ${join(root, "packages")}`);
    process.exit(1);
  }
  for (const { folder, file, manifest } of packages) {
    writeFileSync(file, `${JSON.stringify(stamp(manifest, url, folder), null, 2)}\n`);
    console.log(`${manifest.name}: repository ${url} (packages/${folder})`);
  }
}

main();
