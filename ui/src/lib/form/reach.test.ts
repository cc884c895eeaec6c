import { describe, expect, it } from "vitest";
import type { ReachableRepository } from "../../bindings";
import { countText, groupsOf, matching, merged, pathOf, typeAhead } from "./reach";

const repo = (workspace: string, slug: string, name = slug): ReachableRepository => ({
  workspace,
  project: null,
  slug,
  name,
  permission: "write",
  clone_url: `https://bitbucket.org/${workspace}/${slug}.git`,
  web_url: `https://bitbucket.org/${workspace}/${slug}`,
});

const list = [
  repo("acme", "api", "API"),
  repo("acme", "billing"),
  repo("acme", "blog"),
  repo("acme", "models"),
  repo("labs", "bench", "Benchmarks"),
];

describe("the picker's arithmetic", () => {
  it("matches a search in the name, the slug or owner/slug, whatever the case", () => {
    expect(matching(list, "").length).toBe(5);
    expect(matching(list, "BENCHMARKS").map(pathOf)).toEqual(["labs/bench"]);
    expect(matching(list, "acme/b").map(pathOf)).toEqual(["acme/billing", "acme/blog"]);
  });

  it("adds what the server found, once each, in the core's order", () => {
    const found = [repo("acme", "blog"), repo("acme", "archive", "Archive"), repo("zeta", "api")];
    expect(merged(list.slice(1, 3), found).map(pathOf)).toEqual([
      "acme/archive",
      "acme/billing",
      "acme/blog",
      "zeta/api",
    ]);
  });

  it("groups the rendered window by owner", () => {
    const groups = groupsOf(list, 2, 5);
    expect(groups.map((g) => [g.owner, g.first, g.items.map((i) => i.index)])).toEqual([
      ["acme", 2, [2, 3]],
      ["labs", 4, [4]],
    ]);
  });

  it("type-ahead: the next name starting with the letters, wrapping round; a repeated letter cycles", () => {
    expect(typeAhead(list, "b", 0)).toBe(1);
    expect(typeAhead(list, "b", 2)).toBe(2);
    expect(typeAhead(list, "bl", 1)).toBe(2);
    expect(typeAhead(list, "bb", 1)).toBe(2);
    expect(typeAhead(list, "bbb", 2)).toBe(4);
    expect(typeAhead(list, "a", 1)).toBe(0);
    expect(typeAhead(list, "x", 0)).toBe(-1);
  });

  it("counts in words", () => {
    expect(countText(list, "cloud")).toBe("5 repositories in 2 workspaces");
    expect(countText(list.slice(0, 1), "data-center")).toBe("1 repository in 1 project");
  });
});
