// The repository picker's arithmetic, kept apart from the page so that it is quick to test: how a
// repository is named and keyed, which ones match a search, how the window of rendered options is
// grouped, what type-ahead jumps to, and the count in words.
import type { ProviderKind, ReachableRepository } from "../../bindings";

/** The workspace (Cloud) or project key (Data Center) a repository belongs to. */
export function ownerOf(repo: ReachableRepository): string {
  return repo.workspace ?? repo.project ?? "";
}

/** "acme/models" or "PLAT/models": how the picker and the status line name a repository. */
export function pathOf(repo: ReachableRepository): string {
  return `${ownerOf(repo)}/${repo.slug}`;
}

/** The same repository, whatever the letter case the user typed its workspace or project in. */
export function keyOf(owner: string, slug: string): string {
  return `${owner}/${slug}`.toLowerCase();
}

/** The repositories whose name, slug or "owner/slug" contains `query` (letter case ignored). */
export function matching(repositories: ReachableRepository[], query: string): ReachableRepository[] {
  const wanted = query.trim().toLowerCase();
  if (!wanted) return repositories;
  return repositories.filter(
    (r) => r.name.toLowerCase().includes(wanted) || pathOf(r).toLowerCase().includes(wanted),
  );
}

/**
 * The local matches and what the server found for the same search (when the list was cut short),
 * each repository once, sorted as the core sorts: by workspace or project, then by name.
 */
export function merged(local: ReachableRepository[], found: ReachableRepository[]): ReachableRepository[] {
  const seen = new Set(local.map((r) => keyOf(ownerOf(r), r.slug)));
  const extra = found.filter((r) => !seen.has(keyOf(ownerOf(r), r.slug)));
  if (!extra.length) return local;
  const sortKey = (r: ReachableRepository) => [ownerOf(r).toLowerCase(), r.name.toLowerCase()] as const;
  return [...local, ...extra].sort((a, b) => {
    const [ao, an] = sortKey(a);
    const [bo, bn] = sortKey(b);
    return ao.localeCompare(bo) || an.localeCompare(bn);
  });
}

export interface Group {
  owner: string;
  /** The index (in the matches) of the group's first rendered option. */
  first: number;
  items: Array<{ repo: ReachableRepository; index: number }>;
}

/** The rendered window `[start, end)` of the matches, in runs of the same workspace or project. */
export function groupsOf(matches: ReachableRepository[], start: number, end: number): Group[] {
  const groups: Group[] = [];
  for (let index = start; index < Math.min(end, matches.length); index += 1) {
    const repo = matches[index];
    const owner = ownerOf(repo);
    const last = groups.at(-1);
    if (last?.owner === owner) last.items.push({ repo, index });
    else groups.push({ owner, first: index, items: [{ repo, index }] });
  }
  return groups;
}

/** How many of the matches each workspace or project holds (the counts in the group labels). */
export function countsByOwner(matches: ReachableRepository[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const repo of matches) counts.set(ownerOf(repo), (counts.get(ownerOf(repo)) ?? 0) + 1);
  return counts;
}

/**
 * Type-ahead: the index of the first repository from `from` on (wrapping round) whose name or slug
 * starts with `typed`, or -1. Typing one letter again and again cycles through those starting
 * with it.
 */
export function typeAhead(matches: ReachableRepository[], typed: string, from: number): number {
  const text = typed.toLowerCase();
  const repeated = text.length > 1 && [...text].every((c) => c === text[0]);
  const prefix = repeated ? text[0] : text;
  const start = repeated ? from + 1 : from;
  for (let step = 0; step < matches.length; step += 1) {
    const index = (((start + step) % matches.length) + matches.length) % matches.length;
    const repo = matches[index];
    if (repo.name.toLowerCase().startsWith(prefix) || repo.slug.toLowerCase().startsWith(prefix))
      return index;
  }
  return -1;
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** "380 repositories in 2 workspaces" (Data Center: projects). */
export function countText(repositories: ReachableRepository[], provider: ProviderKind): string {
  const owners = new Set(repositories.map(ownerOf)).size;
  const where =
    provider === "cloud" ? plural(owners, "workspace", "workspaces") : plural(owners, "project", "projects");
  return `${plural(repositories.length, "repository", "repositories")} in ${where}`;
}
