// The mock backend words a check's verdict, the suggested name and a connection's tone as the core
// does (crates/core/src/guide): these are the core's own examples, so that the page is tested
// against the answers it will really get.
import { describe, expect, it } from "vitest";
import type { ValidationReport } from "../bindings";
import { suggestedNameOf, toneOf, verdictOf } from "./backend";

function report(fields: Partial<ValidationReport>): ValidationReport {
  return {
    outcome: "usable",
    provider: "cloud",
    base_url: "https://api.bitbucket.org/",
    identity: null,
    problems: [],
    ...fields,
  } as ValidationReport;
}

const problem = { code: "missing_scopes", message: "", fix: "" } as const;
const user = (username: string) => ({
  kind: "person" as const,
  username,
  display_name: null,
  email: null,
  account_id: null,
  uuid: null,
});

describe("the mock backend, as the core", () => {
  it("says the verdict of a check in words", () => {
    expect(verdictOf(report({}))).toBe("Check finished: it works.");
    expect(verdictOf(report({ outcome: "not_usable", problems: [problem] }))).toBe(
      "Check finished: 1 problem.",
    );
    expect(verdictOf(report({ outcome: "unverified", problems: [problem, problem] }))).toBe(
      "Check finished: 2 problems.",
    );
  });

  it("suggests a connection name from the user and the host", () => {
    expect(suggestedNameOf(report({ identity: user("ada_lovelace") }))).toBe(
      "ada_lovelace on Bitbucket Cloud",
    );
    expect(suggestedNameOf(report({}))).toBe("Bitbucket Cloud");
    const dc = { provider: "data-center", base_url: "https://git.example.com:8443/bitbucket" } as const;
    expect(suggestedNameOf(report(dc))).toBe("git.example.com");
    expect(suggestedNameOf(report({ ...dc, identity: user("ada/lovelace") }))).toBe(
      "ada-lovelace on git.example.com",
    );
    expect(suggestedNameOf(report({ provider: "data-center", base_url: "not an address" }))).toBe(
      "Bitbucket",
    );
    // Only letters, digits, space . _ - and at most 64 characters.
    expect(suggestedNameOf(report({ identity: user("ada@example.com") }))).toBe(
      "ada-example.com on Bitbucket Cloud",
    );
    expect(suggestedNameOf(report({ identity: user("a".repeat(80)) }))).toHaveLength(64);
  });

  it("gives a connection's status its tone", () => {
    expect(toneOf("valid", { state: "fine", days_left: 100 })).toBe("good");
    expect(toneOf("valid", { state: "unknown" })).toBe("good");
    expect(toneOf("valid", { state: "soon", days_left: 5 })).toBe("warn");
    expect(toneOf("valid", { state: "expired", days_ago: 1 })).toBe("bad");
    expect(toneOf("invalid", { state: "fine", days_left: 100 })).toBe("bad");
    expect(toneOf("unverified", { state: "unknown" })).toBe("bad");
  });
});
