// A stand-in for the Rust side, for component tests and the browser end-to-end test: it answers
// the same commands with the same types. What the core decides (form options, Generate links)
// comes from fixtures.json, which a Rust test generates from the core and keeps fresh.
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AppError,
  AppInfo,
  Catch,
  CheckRequest,
  CheckView,
  Connection,
  ConnectionView,
  CredentialLink,
  FormOptions,
  GitSetupDone,
  GitSetupPreview,
  LinkInput,
  Method,
  Preferences,
  Profile,
  Reach,
  ReachableRepository,
  RepoPermission,
  SavedEdits,
  NameCheck,
  Reviewer,
  ScanReport,
  SecretHints,
  ServerCheck,
  ValidationReport,
} from "../bindings";
import { dateInDays } from "../lib/ipc";
import fixtures from "./fixtures.json";

export const formOptions = fixtures.form_options as FormOptions;
/** The form options under a policy that caps token lifetimes at 90 days, as the core builds them. */
export const formOptionsCapped = fixtures.form_options_capped_at_90_days as FormOptions;
/** What the core says in the cases the mock plays (generated with the other fixtures). */
export const samples = fixtures.samples as unknown as {
  today: string;
  views: Record<string, Omit<ConnectionView, "connection">>;
  check_views: CheckView[];
  problems: Record<
    | "missing_scopes"
    | "invalid_credentials"
    | "unreachable"
    | "tls_untrusted"
    | "insecure_http"
    | "app_password_pasted"
    | "app_password_disabled",
    ValidationReport["problems"][number]
  >;
  warnings: Record<"write_scope_unverified" | "plain_text_helper", ValidationReport["warnings"][number]>;
  names: Record<"taken" | "invalid", NameCheck>;
  catches: Record<
    "synthetic_identity" | "password_discouraged",
    { warning: ValidationReport["warnings"][number]; catch: Catch; verdict: string }
  >;
};

/** A Data Center server whose certificate no authority this computer trusts vouches for. */
export const SELF_SIGNED_SERVER = "https://git.example.com";
/** The file that holds its certificate, as the system's file dialog answers in the mock. */
export const CA_FILE = "/home/ada/certificates/git.example.com.pem";
/** The fingerprint of that server's certificate (the one the refusal names). */
export const SERVER_FINGERPRINT = (
  fixtures.samples.problems.tls_untrusted.actions.find((a) => a.kind === "trust_certificate") as {
    fingerprint: string;
  }
).fingerprint;

/** The server's certificate is trusted: by the chosen file, or by its fingerprint. */
function trusted(input: { ca_file: string | null; trust_fingerprint?: string | null }): boolean {
  return input.ca_file === CA_FILE || input.trust_fingerprint === SERVER_FINGERPRINT;
}

/** What is wrong with how the request reaches its server, before any credential is looked at. */
function transportProblem(input: {
  server: string | null;
  ca_file: string | null;
  trust_fingerprint?: string | null;
  allow_http: boolean;
}): ValidationReport["problems"][number] | null {
  const server = (input.server ?? "").trim().replace(/\/$/, "");
  if (/^http:\/\//i.test(server) && !input.allow_http) return samples.problems.insecure_http;
  if (server === SELF_SIGNED_SERVER && !trusted(input)) return samples.problems.tls_untrusted;
  return null;
}
/** The form options for a server's version (the versions the mock's servers say, see SERVERS). */
const optionsByVersion = fixtures.form_options_by_server_version as Record<string, FormOptions>;
/** Generate links with every value filled in, and with each combination of values left out. */
const links = fixtures.links as Record<Method, Record<Profile, CredentialLink>>;
const linksMissing = fixtures.links_missing as Record<
  Method,
  Record<Profile, Record<string, CredentialLink>>
>;

/** Data Center servers the mock knows by host, with the version they say; any other says 9.2.1. */
export const SERVERS = {
  /** Too old for HTTP access tokens: only passwords. */
  old: { url: "https://legacy.example.com/bitbucket", version: "5.4.0" },
  /** Personal tokens, but not yet project or repository tokens. */
  before717: { url: "https://seven.example.com/bitbucket", version: "7.10.0" },
} as const;

function versionOf(server: string): string {
  const known = Object.values(SERVERS).find((s) => server.startsWith(s.url));
  return known?.version ?? "9.2.1";
}

/**
 * The core's Generate link for what the form has filled in: the link with every value when none
 * it needs is missing, else the one generated with exactly those values left out.
 */
function linkFor(input: LinkInput): CredentialLink {
  const filled = links[input.method][input.profile];
  const variants = linksMissing[input.method][input.profile];
  const valueOf: Record<string, string | null> = {
    server: input.server,
    workspace: input.workspace,
    project: input.project,
    repository: input.repository,
  };
  // The variant that lacks every value lists them in the core's order.
  const all = Object.keys(variants).sort((a, b) => b.split(",").length - a.split(",").length)[0] ?? "";
  const missing = all.split(",").filter((value) => value && !valueOf[value]?.trim());
  return missing.length ? variants[missing.join(",")] : filled;
}

/** Secrets with a known meaning to the mock. */
export const SECRETS = {
  good: "ATATT3xFfGF0-good-token",
  missingScopes: "ATATT3xFfGF0-missing-scopes",
  refused: "ATATT3xFfGF0-refused",
  offline: "offline-secret",
  slow: "slow-secret",
  accessToken: "ATCTT3xFfGN0-access-token",
  /** Works, and reaches more repositories than the core lists (5,000): the list is truncated. */
  many: "ATATT3xFfGF0-many-repos",
  /** A Bitbucket app password, pasted as an API token. */
  appPassword: "ATBB3xFfGF0-app-password",
} as const;

export interface MockState {
  calls: Array<{ cmd: string; args: Record<string, unknown> }>;
  connections: ConnectionView[];
  opened: string[];
  theme: Preferences["theme"];
  /**
   * What form_options answers, for every server version too; the core's defaults (no policy, and
   * per version the fixtures') when left out.
   */
  formOptions?: FormOptions;
  /** Git's side: whether `store` still holds the dead app password, and the connections git uses. */
  git: { storeHoldsAppPassword: boolean; setUp: string[] };
  /** What saved_health answers: keychain items of no connection, connections without a secret. */
  health: { orphan_secrets: string[]; missing_secrets: string[] };
  /** What the system's file dialog answers for a certificate file (null: closed without choosing). */
  chosenFile?: string | null;
  /**
   * Where the save dialog puts the diagnostics (null: closed without choosing), or the error
   * writing them gives.
   */
  diagnostics?: string | null | { error: AppError };
  /**
   * The folder the save dialog puts a calendar file in (the core's file name is added; null:
   * closed without choosing), or the error writing it gives.
   */
  calendar?: string | null | { error: AppError };
  /** Start at login: whether it is on, and whether the one-time offer was answered. */
  autostart?: { enabled: boolean; offered: boolean };
  /**
   * What the keychain holds, by connection name (the page never sees it). A connection missing
   * here holds a working token.
   */
  secrets: Record<string, string>;
}

/** Where the save dialog puts a calendar file unless a test says otherwise. */
export const CALENDAR_FOLDER = "/home/ada/Documents";

/** Where the save dialog puts the diagnostics unless a test says otherwise. */
export const DIAGNOSTICS_FILE = "/home/ada/repoconn-diagnostics-2026-11-26.json";

const INFO: AppInfo = {
  name: "Repository Connections",
  version: "0.1.0",
  os: "linux",
  arch: "x86_64",
  keychain: "secret-service",
  keychainName: "Secret Service (GNOME Keyring / KWallet)",
  dataDir: "/home/ada/.local/share/repoconn",
};

function baseReport(input: CheckRequest): ValidationReport {
  const cloud = formOptions.providers[0].methods.some((m) => m.method === input.method);
  return {
    ok: true,
    outcome: "usable",
    provider: cloud ? "cloud" : "data-center",
    method: input.method,
    base_url: cloud ? "https://api.bitbucket.org/" : (input.server ?? ""),
    identity: {
      kind: input.method.includes("access-token") ? "access_token" : "person",
      username: cloud ? "ada_lovelace" : "ada",
      display_name: "Ada Lovelace",
      email: input.email,
      account_id: null,
      uuid: null,
    },
    git_username:
      input.method.includes("access-token") ||
      input.method === "oauth" ||
      input.method === "data-center-oauth"
        ? "x-token-auth"
        : cloud
          ? "ada_lovelace"
          : "ada",
    server: cloud ? null : { version: "9.2.1", build_number: "9002001", display_name: "Bitbucket" },
    scopes: cloud
      ? {
          required: ["read:user:bitbucket", "read:repository:bitbucket", "write:pullrequest:bitbucket"],
          granted: null,
          verified: ["read:user:bitbucket", "read:repository:bitbucket"],
          missing: [],
          unverified: ["write:pullrequest:bitbucket"],
        }
      : {
          required: ["REPO_WRITE"],
          granted: ["REPO_READ", "REPO_WRITE"],
          verified: ["REPO_WRITE"],
          missing: [],
          unverified: [],
        },
    permission: cloud ? "member" : "REPO_WRITE",
    expires_at: null,
    problems: [],
    warnings: cloud ? [samples.warnings.write_scope_unverified] : [],
  };
}

/** The report the mock answers for a secret (see SECRETS). */
export function reportFor(input: CheckRequest): ValidationReport {
  const report = baseReport(input);
  const transport = transportProblem(input);
  if (transport) {
    return {
      ...report,
      ok: false,
      outcome: transport.code === "tls_untrusted" ? "unverified" : "not_usable",
      identity: null,
      git_username: null,
      server: null,
      scopes: { required: report.scopes.required, granted: null, verified: [], missing: [], unverified: [] },
      permission: null,
      problems: [transport],
      warnings: [],
    };
  }
  switch (input.secret.trim()) {
    case SECRETS.appPassword:
      return {
        ...report,
        ok: false,
        outcome: "not_usable",
        identity: null,
        git_username: null,
        scopes: {
          required: report.scopes.required,
          granted: null,
          verified: [],
          missing: [],
          unverified: [],
        },
        problems: [samples.problems.app_password_pasted],
        warnings: [],
      };
    case SECRETS.missingScopes:
      return {
        ...report,
        ok: false,
        outcome: "not_usable",
        scopes: { ...report.scopes, missing: ["write:pullrequest:bitbucket"], unverified: [] },
        problems: [samples.problems.missing_scopes],
        warnings: [],
      };
    case SECRETS.refused:
      return {
        ...report,
        ok: false,
        outcome: "not_usable",
        identity: null,
        git_username: null,
        scopes: {
          required: report.scopes.required,
          granted: null,
          verified: [],
          missing: [],
          unverified: [],
        },
        problems: [samples.problems.invalid_credentials],
        warnings: [],
      };
    case SECRETS.offline:
      return {
        ...report,
        ok: false,
        outcome: "unverified",
        identity: null,
        git_username: null,
        problems: [samples.problems.unreachable],
        warnings: [],
      };
    default:
      return { ...report, warnings: [...report.warnings, ...catchWarnings(input.method)] };
  }
}

/** The warning a working credential of this kind carries when it works with a catch (the core's). */
function catchWarnings(method: Method): ValidationReport["warnings"] {
  if (method === "project-token" || method === "repository-token")
    return [samples.catches.synthetic_identity.warning];
  if (method === "basic") return [samples.catches.password_discouraged.warning];
  return [];
}

/** The catch of a working report (the core's `CheckView::catch`), from the samples. */
function catchOf(report: ValidationReport): { catch: Catch; verdict: string } | null {
  if (report.outcome !== "usable") return null;
  const codes = report.warnings.map((w) => w.code);
  if (codes.includes("synthetic_identity")) return samples.catches.synthetic_identity;
  if (codes.includes("password_discouraged")) return samples.catches.password_discouraged;
  return null;
}

// What the core adds to a report or a saved connection for the dialog (crates/core/src/guide). The
// mock words them as the core does, so that the page is tested against the same answers.

/** The status line after a check (the core's `CheckView::verdict`). */
export function verdictOf(report: ValidationReport): string {
  if (report.outcome === "usable") return "Check finished: it works.";
  const count = report.problems.length;
  return count === 1 ? "Check finished: 1 problem." : `Check finished: ${count} problems.`;
}

/**
 * The connection name to suggest (the core's `suggested_name`): "<username> on <host>", with only
 * letters, digits, space . _ - and at most 64 characters.
 */
export function suggestedNameOf(report: ValidationReport): string {
  let place = "Bitbucket Cloud";
  if (report.provider === "data-center") {
    try {
      place = new URL(report.base_url).hostname || "Bitbucket";
    } catch {
      place = "Bitbucket";
    }
  }
  const user = report.identity?.username;
  const text = user ? `${user} on ${place}` : place;
  const tidy = text
    .replace(/[^\p{L}\p{N} ._-]/gu, "-")
    .split(" ")
    .filter(Boolean)
    .join(" ");
  return Array.from(tidy).slice(0, 64).join("");
}

/** The answer to check_credential. */
export function checkViewOf(report: ValidationReport): CheckView {
  const caught = catchOf(report);
  return {
    report,
    verdict: caught?.verdict ?? verdictOf(report),
    suggested_name: suggestedNameOf(report),
    catch: caught?.catch ?? null,
  };
}

/**
 * A saved connection as the list shows it. Its status, expiry words and tone are the core's own
 * answers for the nearest sample case (a fresh save with a date is "a year left", as the dialog
 * pre-fills).
 */
/** A saved Cloud API token of ada's named `name`, expiring on `expiresOn` (null: no date). */
export function savedApiToken(id: string, name: string, expiresOn: string | null): ConnectionView {
  return view({
    id,
    name,
    provider: "cloud",
    base_url: "https://api.bitbucket.org/",
    method: "api-token",
    email: "ada@example.com",
    bitbucket_username: "ada_lovelace",
    git_username: "ada_lovelace",
    workspace: "acme",
    project: null,
    repository: null,
    profile: "pull-requests",
    scopes: [],
    permission: null,
    server_version: null,
    expires_on: expiresOn,
    created_at: "2026-01-01T10:00:00Z",
    validated_at: null,
    rejected_at: null,
    status: "valid",
    allow_http: false,
    ca_file: null,
    secret_key: `conn-${id}`,
  });
}

export function view(connection: ConnectionView["connection"]): ConnectionView {
  const sample =
    connection.status === "rejected_by_git" || connection.status === "sign_in_again"
      ? samples.views[connection.status]
      : connection.expires_on
        ? samples.views.a_year_left
        : samples.views.expiry_unknown;
  return {
    ...sample,
    connection,
    server_label:
      connection.provider === "cloud" ? "Bitbucket Cloud" : connection.base_url.replace(/^https?:\/\//, ""),
    // As the core builds it (guide::git_fix::clone_url).
    clone_url:
      connection.repository && connection.provider === "cloud" && connection.workspace
        ? `https://bitbucket.org/${connection.workspace}/${connection.repository}.git`
        : connection.repository && connection.project
          ? `${connection.base_url.replace(/\/$/, "")}/scm/${connection.project.toLowerCase()}/${connection.repository}.git`
          : null,
    place: placeOf(connection),
  };
}

/** A saved signed-in (OAuth 2.0) Cloud connection in workspace acme, with `status`. */
export function signedInConnection(name: string, status: Connection["status"]): ConnectionView {
  return view({
    id: "1",
    name,
    provider: "cloud",
    base_url: "https://api.bitbucket.org/",
    method: "oauth",
    bitbucket_username: "ada_lovelace",
    git_username: "x-token-auth",
    workspace: "acme",
    profile: "pull-requests",
    scopes: [],
    created_at: "2026-11-26T10:00:00Z",
    status,
    allow_http: false,
    secret_key: "conn-1",
  });
}

/** What a connection is tied to, as the core's listing words it. */
function placeOf(c: ConnectionView["connection"]): string | null {
  const owner = (c.provider === "cloud" ? c.workspace : c.project) || null;
  const repository = c.repository || null;
  if (owner && repository) return `${owner}/${repository}`;
  if (owner) return c.provider === "data-center" ? `project ${owner}` : owner;
  return repository;
}

// What a credential reaches (reach_repositories) and default reviewers (repository_reviewers).

/** The most repositories the core lists (`MAX_REPOSITORIES`); `truncated` says when there were more. */
export const REACH_LIMIT = 5_000;

const AREAS = [
  "api",
  "auth",
  "billing",
  "catalog",
  "checkout",
  "data",
  "design",
  "docs",
  "gateway",
  "identity",
  "infra",
  "inventory",
  "logging",
  "metrics",
  "mobile",
  "notifications",
  "orders",
  "payments",
  "pricing",
  "reports",
  "search",
  "shipping",
  "storage",
  "support",
  "telemetry",
  "users",
  "web",
];
const PARTS = ["service", "client", "worker", "ui", "sdk", "tools", "config", "tests", "docs"];
const title = (words: string[]) => words.map((w) => w[0].toUpperCase() + w.slice(1)).join(" ");
/** Mixed permissions, most repositories writable. */
const permissionAt = (i: number): RepoPermission => (i % 11 === 0 ? "admin" : i % 4 === 0 ? "read" : "write");

interface Listed {
  owner: string;
  /** The project's key (Cloud repositories belong to a project of their workspace too). */
  project: string;
  slug: string;
  name: string;
  permission: RepoPermission;
}

/** `count` repositories of `owner`, from the `offset`th combination of an area and a part. */
function generated(
  owner: string,
  project: string,
  count: number,
  offset: number,
  numbered = false,
): Listed[] {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    const words = [AREAS[n % AREAS.length], PARTS[Math.floor(n / AREAS.length) % PARTS.length]];
    if (numbered) words.push(String(n + 1));
    return { owner, project, slug: words.join("-"), name: title(words), permission: permissionAt(n) };
  });
}

/** What a working credential reaches: the usual two workspaces (projects), or very many. */
function reachable(many: boolean, cloud: boolean): Listed[] {
  const [first, second] = cloud ? ["acme", "lovelace-labs"] : ["PLAT", "DATA"];
  const [firstProject, secondProject] = cloud ? ["CORE", "LAB"] : [first, second];
  const special: Listed[] = [
    { owner: first, project: firstProject, slug: "models", name: "models", permission: "write" },
    { owner: first, project: firstProject, slug: "archive", name: "Archive", permission: "admin" },
  ];
  if (!many) {
    return [
      ...special,
      ...generated(first, firstProject, 228, 0),
      ...generated(second, secondProject, 150, 40),
    ];
  }
  const third = cloud ? "zeta-corp" : "ZETA";
  return [
    ...special,
    ...generated(first, firstProject, 3_998, 0, true),
    ...generated(third, third, 2_499, 7, true),
    { owner: third, project: third, slug: "zulu-telemetry", name: "Zulu Telemetry", permission: "read" },
  ];
}

/** The answer to reach_repositories: sorted and filtered as the core does (by name), at most 5,000. */
export function reachOf(input: CheckRequest, filter: string | null): Reach {
  const cloud = reportFor(input).provider === "cloud";
  const server = (input.server ?? "").replace(/\/$/, "");
  const toRepository = (r: Listed): ReachableRepository => ({
    workspace: cloud ? r.owner : null,
    project: r.project,
    slug: r.slug,
    name: r.name,
    permission: r.permission,
    clone_url: cloud
      ? `https://bitbucket.org/${r.owner}/${r.slug}.git`
      : `${server}/scm/${r.owner.toLowerCase()}/${r.slug}.git`,
    web_url: cloud
      ? `https://bitbucket.org/${r.owner}/${r.slug}`
      : `${server}/projects/${r.owner}/repos/${r.slug}/browse`,
  });
  // A repository token reaches its own repository only.
  if (["repository-access-token", "repository-token"].includes(input.method) && input.repository) {
    const owner = (cloud ? input.workspace : input.project) ?? "";
    const only = { owner, project: input.project ?? owner, slug: input.repository, name: input.repository };
    return {
      repositories: [toRepository({ ...only, permission: "write" })],
      truncated: false,
      problems: [],
      warnings: [],
    };
  }
  const wanted = filter?.trim().toLowerCase() || null;
  const listed = reachable(input.secret.trim() === SECRETS.many, cloud)
    .filter((r) => !wanted || r.name.toLowerCase().includes(wanted))
    .sort(
      (a, b) =>
        a.owner.toLowerCase().localeCompare(b.owner.toLowerCase()) ||
        a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
    );
  return {
    repositories: listed.slice(0, REACH_LIMIT).map(toRepository),
    truncated: listed.length > REACH_LIMIT,
    problems: [],
    warnings: [],
  };
}

/** The answer to repository_reviewers: two for every "models", none elsewhere, an error for "archive". */
export function reviewersOf(owner: string, repository: string): Reviewer[] {
  if (repository === "archive") {
    throw {
      code: "reviewers_unavailable",
      message: `Bitbucket refused to show the default reviewers of ${owner}/${repository} (403 Forbidden).`,
      fix: "Ask an administrator of the repository, or pick another one.",
    };
  }
  if (repository !== "models") return [];
  return [
    { display_name: "Ada Lovelace", username: "ada" },
    { display_name: "Grace Hopper", username: "grace" },
  ];
}

/** The consumer a saved OAuth connection signed in with (read from the keychain in Rust). */
export const SAVED_CONSUMER = "savedConsumerKey";

/** Rust's answer when no consumer was typed and none is saved or set by the policy. */
const NO_CONSUMER = {
  code: "sign_in_refused",
  message: "the OAuth consumer's key is missing",
  fix: "Fill in the application link's client ID (and its secret, if it has one): your Bitbucket administrators have them.",
};

const NOT_CHECKED = {
  code: "not_checked",
  message: "This needs a credential that passed a check, and this one has not.",
  fix: "Press Test, and try again once the check says it works.",
};

/** Installs the mock and returns its state, for assertions. */
const OUR_HELPER = "repoconn git-credential";

/** bitbucket.org as the core's scan reports it: `store` first, ours only once set up. */
function gitScan(state: MockState): ScanReport {
  const ours = state.connections.some(
    (c) => c.connection.provider === "cloud" && state.git.setUp.includes(c.connection.name),
  );
  const helpers = ours ? [OUR_HELPER] : ["store"];
  const credentials =
    !ours && state.git.storeHoldsAppPassword
      ? [
          {
            helper: "store",
            source: { kind: "helper" as const },
            username: "ada",
            ok: false,
            // The core refuses an app password without sending it (git::live).
            live: null,
            problems: [samples.problems.app_password_disabled],
            warnings: [samples.warnings.plain_text_helper],
          },
        ]
      : [];
  return {
    checked_live: true,
    hosts: [
      {
        host: "bitbucket.org",
        url: "https://bitbucket.org/",
        helpers,
        credentials,
        remotes: [],
        // As the core finds them: Cloud connections of a kind git accepts.
        usable_connections: state.connections
          .filter((c) => c.connection.provider === "cloud" && c.connection.method !== "app-password")
          .map((c) => c.connection.name),
      },
    ],
  };
}

function gitPreview(state: MockState, name: string): GitSetupPreview {
  const found = state.connections.find((c) => c.connection.name === name);
  const done = state.git.setUp.includes(name);
  const key = "credential.https://bitbucket.org.helper";
  return {
    connection: name,
    url: "https://bitbucket.org",
    commands: done
      ? []
      : [
          `git config --global --add ${key} ""`,
          `git config --global --add ${key} "${OUR_HELPER}"`,
          "git config --global repoconn.https://bitbucket.org.addedHelpers true",
        ],
    old_credentials:
      !done && state.git.storeHoldsAppPassword
        ? [{ helper: "store", username: "ada", plain_text: true }]
        : [],
    warnings: [],
    refusal: null,
    git_version: "git version 2.47.3",
    git_username: found?.connection.git_username ?? null,
  };
}

export function installMockBackend(initial: Partial<MockState> = {}): MockState {
  const state: MockState = {
    calls: [],
    connections: [],
    opened: [],
    theme: "system",
    git: { storeHoldsAppPassword: false, setUp: [] },
    health: { orphan_secrets: [], missing_secrets: [] },
    secrets: {},
    ...initial,
  };
  const checked = new Map<number, CheckRequest>();
  /** The checks of a saved connection's own secret (check_saved): which connection's. */
  const checkedSaved = new Map<number, string>();
  /** The checks that hold a sign-in's tokens (oauth_finish, check_signed_in). */
  const signedIn = new Set<number>();
  const pending = new Map<number, (value: unknown) => void>();
  /** The saved secret of a connection; one the mock was started with holds a working token. */
  const secretOf = (name: string) => state.secrets[name] ?? SECRETS.good;
  const notFound = (name: string) => ({
    code: "not_found",
    message: `There is no connection named "${name}".`,
    fix: "",
    fix_in_dialog: "Go back to the list: it shows the saved connections.",
  });

  mockIPC(async (cmd, rawArgs) => {
    const args = (rawArgs ?? {}) as Record<string, unknown>;
    state.calls.push({ cmd, args });
    switch (cmd) {
      case "app_info":
        return INFO;
      case "get_preferences":
        return { theme: state.theme };
      case "set_preferences":
        state.theme = (args.preferences as Preferences).theme;
        return args.preferences;
      case "form_options": {
        const version = args.serverVersion as string | null;
        return state.formOptions ?? (version && optionsByVersion[version]) ?? formOptions;
      }
      case "credential_link":
        return linkFor(args.input as LinkInput);
      case "open_credential_link": {
        const link = linkFor(args.input as LinkInput);
        if (link.blocked) throw { code: "no_link", message: link.blocked, fix: "" };
        if (!link.url)
          throw { code: "no_link", message: "No page creates this kind of credential.", fix: "" };
        state.opened.push(link.url);
        return link.url;
      }
      case "inspect_secret": {
        const secret = String(args.secret).trim();
        const method = args.method as Method;
        const hints: SecretHints = { recognised: null, suggested_method: null, message: null, removed: [] };
        if (secret.startsWith("ATCTT") && !method.includes("access-token")) {
          hints.recognised = "a Bitbucket Cloud access token";
          hints.suggested_method = "repository-access-token";
          hints.message = `This looks like a Bitbucket Cloud access token, not a ${method}: choose "Repository access token".`;
        } else if (secret.startsWith("ATATT")) {
          hints.recognised = "an Atlassian API token";
        }
        if (String(args.secret).trim().toLowerCase().startsWith("bearer "))
          hints.removed.push('a "Bearer " prefix');
        return hints;
      }
      case "inspect_server": {
        const server = String(args.server)
          .replace(/\/projects\/.*$/, "")
          .replace(/\/$/, "");
        const problem = transportProblem({
          server,
          ca_file: (args.caFile as string | null) ?? null,
          trust_fingerprint: (args.trustFingerprint as string | null) ?? null,
          allow_http: Boolean(args.allowHttp),
        });
        const check: ServerCheck = {
          base_url: server,
          project: null,
          repository: null,
          server: problem
            ? null
            : { version: versionOf(server), build_number: null, display_name: "Bitbucket" },
          problems: problem ? [problem] : [],
        };
        return check;
      }
      case "choose_certificate_file":
        return state.chosenFile === undefined ? CA_FILE : state.chosenFile;
      case "check_connection_name": {
        const name = String(args.name).trim();
        if (!/^[\p{L}\p{N} ._-]{1,64}$/u.test(name)) {
          return { ...samples.names.invalid, problem: samples.names.invalid.problem!.replace("a/b", name) };
        }
        const taken = state.connections.map((c) => c.connection.name).filter((n) => n !== args.keeping);
        if (!taken.includes(name)) return { problem: null, suggestion: null };
        let n = 2;
        while (taken.includes(`${name} ${n}`)) n += 1;
        return {
          problem: samples.names.taken.problem!.replaceAll('"work"', `"${name}"`),
          suggestion: `${name} ${n}`,
        };
      }
      case "check_credential": {
        const request = args.request as CheckRequest;
        const id = args.checkId as number;
        if (request.secret.trim() === SECRETS.slow) {
          return new Promise((resolve, reject) => {
            pending.set(id, () =>
              reject({ code: "cancelled", message: "The check was cancelled.", fix: "" }),
            );
            setTimeout(() => resolve(checkViewOf(reportFor({ ...request, secret: SECRETS.good }))), 10_000);
          });
        }
        const report = reportFor(request);
        checkedSaved.delete(id);
        if (report.ok) checked.set(id, request);
        return checkViewOf(report);
      }
      case "check_saved": {
        // As the core's flows::saved_request: the saved method, server and secret, the edited values.
        const name = String(args.name);
        const found = state.connections.find((c) => c.connection.name === name)?.connection;
        if (!found) throw notFound(name);
        const request: CheckRequest = {
          ...(args.edits as SavedEdits),
          method: found.method,
          server: found.provider === "data-center" ? found.base_url : null,
          require: [],
          secret: secretOf(name),
        };
        const id = args.checkId as number;
        const report = reportFor(request);
        if (report.ok) {
          checked.set(id, request);
          checkedSaved.set(id, name);
        }
        return checkViewOf(report);
      }
      case "reach_repositories": {
        const input = checked.get(args.checkId as number);
        if (!input) throw NOT_CHECKED;
        return reachOf(input, (args.filter as string | null) ?? null);
      }
      case "repository_reviewers": {
        if (!checked.has(args.checkId as number)) throw NOT_CHECKED;
        return reviewersOf(String(args.owner), String(args.repository));
      }
      case "cancel_check":
        pending.get(args.checkId as number)?.(undefined);
        return null;
      case "save_connection": {
        const input = checked.get(args.checkId as number);
        if (!input) throw { code: "not_checked", message: "Test the credential first.", fix: "" };
        const report = reportFor(input);
        const name = String(args.name);
        // The core refuses an expiry past the policy's longest lifetime (expiry_beyond_policy).
        const max = (state.formOptions ?? formOptions).max_token_lifetime_days;
        const expires = args.expiresOn as string | null;
        if (max != null && expires && expires > dateInDays(max)) {
          throw {
            code: "expiry_beyond_policy",
            message: `Your organisation's policy allows tokens to live at most ${max} days, so it must expire by ${dateInDays(max)}; ${expires} is later.`,
            fix: `Create the token with an expiry date no later than ${dateInDays(max)}, and give that date.`,
          };
        }
        const replacing = (args.replacing as string | null) ?? null;
        // A saved connection's secret is saved with that connection only.
        const savedOf = checkedSaved.get(args.checkId as number);
        if (savedOf !== undefined && savedOf !== replacing) throw NOT_CHECKED;
        const existing = replacing
          ? state.connections.find((c) => c.connection.name === replacing)?.connection
          : undefined;
        if (replacing && !existing) throw notFound(replacing);
        // A new name, or a rename, must be free (an edit keeps its own).
        if (name !== replacing && state.connections.some((c) => c.connection.name === name)) {
          throw {
            code: "name_taken",
            message: `There is already a connection named "${name}".`,
            fix: "Choose another name.",
          };
        }
        const kept: Partial<Connection> = existing
          ? {
              id: existing.id,
              created_at: existing.created_at,
              // The saved secret stays in its keychain item; a new one gets a new item.
              secret_key: savedOf ? existing.secret_key : `${existing.secret_key}.2`,
            }
          : {};
        const saved = view({
          id: String(state.connections.length + 1),
          name,
          provider: report.provider,
          base_url: report.base_url,
          method: input.method,
          email: input.email,
          bitbucket_username: report.identity?.username ?? null,
          git_username: report.git_username,
          workspace: input.workspace,
          project: input.project,
          repository: input.repository,
          profile: input.profile,
          scopes: report.scopes.verified,
          permission: report.permission,
          server_version: report.server?.version ?? null,
          expires_on: (args.expiresOn as string | null) ?? null,
          created_at: "2026-11-26T10:00:00Z",
          validated_at: "2026-11-26T10:00:00Z",
          rejected_at: null,
          status: "valid",
          allow_http: false,
          ca_file: null,
          secret_key: `conn-${state.connections.length + 1}`,
          ...kept,
        });
        if (replacing) delete state.secrets[replacing];
        state.secrets[name] = input.secret.trim();
        // Saved: the check's secret leaves the shell's memory.
        checked.delete(args.checkId as number);
        checkedSaved.delete(args.checkId as number);
        // An edit keeps the connection's place in the list.
        state.connections = existing
          ? state.connections.map((c) => (c.connection.name === replacing ? saved : c))
          : [...state.connections, saved];
        return saved;
      }
      case "list_connections":
        return state.connections;
      case "test_connection": {
        const found = state.connections.find((c) => c.connection.name === args.name);
        if (!found)
          throw {
            code: "not_found",
            message: `There is no connection named "${String(args.name)}".`,
            fix: "",
          };
        return {
          report: reportFor({
            method: found.connection.method,
            server: null,
            email: found.connection.email ?? null,
            username: null,
            workspace: null,
            project: null,
            repository: null,
            profile: found.connection.profile,
            require: [],
            ca_file: null,
            allow_http: false,
            secret: secretOf(found.connection.name),
          }),
          connection: found,
        };
      }
      case "delete_connection":
        state.connections = state.connections.filter((c) => c.connection.name !== args.name);
        return null;
      case "saved_health":
        return { connections: state.connections.length, keychain_listable: true, ...state.health };
      case "start_reminders":
        return null;
      case "autostart_state":
        return { ...(state.autostart ?? { enabled: false, offered: false }) };
      case "set_autostart":
        state.autostart = { enabled: Boolean(args.enabled), offered: true };
        return { ...state.autostart };
      case "dismiss_autostart_offer":
        state.autostart = { enabled: state.autostart?.enabled ?? false, offered: true };
        return { ...state.autostart };
      case "repair_saved":
        state.health = { ...state.health, orphan_secrets: [] };
        return { connections: state.connections.length, keychain_listable: true, ...state.health };
      case "save_diagnostics": {
        const chosen = state.diagnostics === undefined ? DIAGNOSTICS_FILE : state.diagnostics;
        if (chosen && typeof chosen === "object") throw chosen.error;
        return chosen === null
          ? null
          : {
              path: chosen,
              summary: `versions, system, the keychain's health, ${state.connections.length} connections, the policy, the proxy and git's helpers for 1 server; no token, password or consumer secret`,
            };
      }
      case "save_expiry_calendar": {
        const found = state.connections.find((c) => c.connection.name === args.name);
        if (!found) throw notFound(String(args.name));
        // As the Rust side: a connection without a date is refused before the dialog opens.
        if (!found.connection.expires_on)
          throw {
            code: "no_expiry_date",
            message: `"${found.connection.name}" has no expiry date to put in a calendar.`,
            fix: `Choose Edit beside "${found.connection.name}", enter the date its token expires, and save; then add it to your calendar.`,
          };
        const folder = state.calendar === undefined ? CALENDAR_FOLDER : state.calendar;
        if (folder && typeof folder === "object") throw folder.error;
        // The core's file name: the connection's name with what file systems dislike replaced.
        const file = `${found.connection.name.replace(/[^\p{L}\p{N}._-]/gu, "-")}-expires.ics`;
        return folder === null ? null : `${folder}/${file}`;
      }
      case "git_scan":
        return gitScan(state);
      case "git_setup_preview":
        return gitPreview(state, String(args.name));
      case "oauth_begin": {
        // The consumer as Rust chooses it: typed, else the saved connection's, else the policy's.
        const request = args.request as CheckRequest;
        const options = state.formOptions ?? formOptions;
        const server = (request.server ?? "").trim().replace(/\/+$/, "");
        const policy = request.server
          ? options.oauth_links.find((l) => l.base_url.replace(/\/+$/, "") === server)?.client_id
          : options.oauth_consumer;
        const clientId =
          (args.clientId as string | null) ?? (args.again ? SAVED_CONSUMER : null) ?? policy ?? null;
        if (!clientId) throw NO_CONSUMER;
        return request.server
          ? `${server}/rest/oauth2/latest/authorize?client_id=${clientId}&response_type=code`
          : `https://bitbucket.org/site/oauth2/authorize?client_id=${clientId}&response_type=code`;
      }
      case "oauth_finish": {
        // The server came back with a code, exchanged for a working access token (kept in Rust).
        const request = { ...(args.request as CheckRequest), secret: SECRETS.good };
        const report = reportFor(request);
        const id = args.checkId as number;
        checkedSaved.delete(id);
        if (report.ok) {
          checked.set(id, request);
          signedIn.add(id);
        }
        return checkViewOf(report);
      }
      case "check_signed_in": {
        // The sign-in's tokens, its way to connect and server; the form's other values.
        const kept = checked.get(args.signedIn as number);
        if (!kept || !signedIn.has(args.signedIn as number)) throw NOT_CHECKED;
        const request = {
          ...(args.request as CheckRequest),
          method: kept.method,
          server: kept.server,
          secret: kept.secret,
        };
        const report = reportFor(request);
        const id = args.checkId as number;
        if (report.ok) {
          checked.set(id, request);
          signedIn.add(id);
        }
        return checkViewOf(report);
      }
      case "git_undo_setup": {
        const was = state.git.setUp.includes(String(args.name));
        state.git.setUp = state.git.setUp.filter((n) => n !== args.name);
        return was ? ["git config --global --unset-all credential.https://bitbucket.org.helper"] : [];
      }
      case "git_set_up": {
        const preview = gitPreview(state, String(args.name));
        const erased = args.eraseOld ? preview.old_credentials : [];
        if (args.eraseOld) state.git.storeHoldsAppPassword = false;
        state.git.setUp.push(String(args.name));
        const done: GitSetupDone = {
          connection: preview.connection,
          url: preview.url,
          ran: preview.commands,
          erased,
          undo_command: `repoconn git setup ${preview.connection} --undo`,
        };
        return done;
      }
      // Updates: the person decides, the daily check is off, and this version is the latest.
      case "update_settings":
      case "set_automatic_updates":
        return { canCheck: true, automatic: args.on === true, canChangeAutomatic: true, managed: null };
      case "check_for_update":
      case "automatic_update_check":
        return null;
      default:
        throw `command ${cmd} not found`;
    }
  });
  return state;
}
