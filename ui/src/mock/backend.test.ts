// The mock backend must answer as the core does. Where it still words something itself (a
// check's verdict, the suggested name), it is held here against the core's own answers, which the
// fixture generator (src-tauri/tests/bindings.rs) writes into fixtures.json.
import { describe, expect, it } from "vitest";
import { samples, suggestedNameOf, verdictOf, view } from "./backend";

describe("the mock backend, against the core's answers", () => {
  it("says every sample check's verdict and suggested name as the core does", () => {
    expect(samples.check_views.length).toBeGreaterThanOrEqual(4);
    for (const sample of samples.check_views) {
      expect(verdictOf(sample.report)).toBe(sample.verdict);
      expect(suggestedNameOf(sample.report)).toBe(sample.suggested_name);
    }
  });

  it("shows saved connections with the core's status, expiry words and tone", () => {
    const connection = {
      id: "1",
      name: "work",
      provider: "cloud" as const,
      base_url: "https://api.bitbucket.org/",
      method: "api-token" as const,
      email: null,
      bitbucket_username: null,
      git_username: null,
      workspace: null,
      project: null,
      repository: null,
      profile: "pull-requests" as const,
      scopes: [],
      permission: null,
      server_version: null,
      expires_on: "2027-11-26",
      created_at: "2026-11-26T10:00:00Z",
      validated_at: null,
      rejected_at: null,
      status: "valid" as const,
      allow_http: false,
      ca_file: null,
      secret_key: "conn-1",
    };
    const saved = view(connection);
    expect(saved.status_text).toBe(samples.views.a_year_left.status_text);
    expect(saved.expiry_text).toBe(samples.views.a_year_left.expiry_text);
    expect(saved.tone).toBe(samples.views.a_year_left.tone);
    expect(view({ ...connection, status: "rejected_by_git" }).tone).toBe("bad");
  });
});
