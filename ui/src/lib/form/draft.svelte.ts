// The connection form's state: what the user chose and typed, what the core answered about it (the
// server check, the secret hints, the Generate link, the check report, what the checked credential
// reaches and a repository's default reviewers), and the actions the parts of the form call. The
// components in this folder only show this draft and forward events to it; every call to the core
// is made here.
//
// The core's answers may arrive out of order (a slow server, a debounced hint). Every call goes
// through a LatestOnly (see latest.ts): an answer is applied only if no newer request of the same
// sort was sent in the meantime and the inputs it was computed from have not changed since.
import {
  commands,
  type Connection,
  type CheckRequest,
  type ConnectionView,
  type CredentialLink,
  type Field,
  type FormOptions,
  type LinkInput,
  type Method,
  type Profile,
  type ProviderKind,
  type Reach,
  type ReachableRepository,
  type SecretHints,
  type ServerCheck,
  type Template,
  type ValidationReport,
} from "../../bindings";
import { dateInDays, describeError } from "../ipc";
import { LatestOnly, STALE } from "./latest";
import { keyOf, ownerOf, pathOf } from "./reach";

/** How long typing must pause before the server address is looked at. */
const SERVER_PAUSE_MS = 400;
/** How long typing must pause before the secret is looked at. */
const SECRET_PAUSE_MS = 120;
/** How long typing must pause before a search in a cut-short list of repositories asks the server. */
const SEARCH_PAUSE_MS = 300;
/** Credentials tied to one workspace, project or repository: what they reach follows those fields. */
const TIED: Method[] = [
  "repository-access-token",
  "project-access-token",
  "workspace-access-token",
  "project-token",
  "repository-token",
];

/** A repository's default reviewers, as the picker shows them. */
export interface ReviewersView {
  /** "acme/models". */
  path: string;
  loading: boolean;
  names: string[];
  /** Why they could not be read (message and fix). */
  problem: string | null;
}

export class ConnectionDraft {
  /** The connection being edited, as it was when the form opened; null when adding one. */
  readonly existing: Connection | null;
  readonly #options: () => FormOptions;

  // What the user chose and typed.
  provider = $state<ProviderKind>("cloud");
  method = $state<Method>("api-token");
  profile = $state<Profile>("pull-requests");
  /** The Data Center address as typed. */
  server = $state("");
  values = $state<Record<Field, string>>({
    email: "",
    username: "",
    workspace: "",
    project: "",
    repository: "",
  });
  secret = $state("");
  /** Whether the secret is shown in clear. */
  reveal = $state(false);
  name = $state("");
  /** YYYY-MM-DD, or "" when unknown. */
  expiresOn = $state("");
  /** The organisation's template in use, by name; null for "Another server". */
  chosenTemplate = $state<string | null>(null);

  // What the core answered.
  serverCheck = $state<ServerCheck | null>(null);
  hints = $state<SecretHints | null>(null);
  link = $state<CredentialLink | null>(null);
  report = $state<ValidationReport | null>(null);

  // What the credential of the latest passed check reaches (the repository picker). The lists are
  // replaced whole, never edited: raw state, so thousands of repositories are not made deeply reactive.
  /** Whether the picker is shown: after a passed check, and while a repository picked in it is checked. */
  reachShown = $state(false);
  reach = $state.raw<Reach | null>(null);
  reachLoading = $state(false);
  /** Why the list could not be had (message and fix). */
  reachProblem = $state<string | null>(null);
  /** The search typed in the picker. */
  reachQuery = $state("");
  /** What the server found for a search, when the list was cut short; null while none or typing. */
  reachFound = $state.raw<{
    filter: string;
    repositories: ReachableRepository[];
    problem: string | null;
  } | null>(null);
  reachSearching = $state(false);
  /** The repository last picked, for a way to connect without a repository field. */
  picked = $state.raw<ReachableRepository | null>(null);
  reviewers = $state<ReviewersView | null>(null);

  // Progress and messages.
  checking = $state(false);
  saving = $state(false);
  /** The status line (announced politely). */
  status = $state("");
  /** What went wrong (announced as an alert). */
  problem = $state<string | null>(null);

  providerOption = $derived(this.options.providers.find((p) => p.provider === this.provider)!);
  methodOption = $derived(
    this.providerOption.methods.find((m) => m.method === this.method) ?? this.providerOption.methods[0],
  );
  /** The server's base URL as the core normalised it, or as typed until it answers. */
  baseUrl = $derived(this.serverCheck?.base_url ?? (this.server.trim() || null));
  template = $derived(this.options.templates.find((t) => t.name === this.chosenTemplate) ?? null);
  /** A template fixes the provider and the server. */
  locked = $derived(this.template !== null);
  /** Whether the chosen way to connect keeps a repository (it is then the connection's default one). */
  keepsRepository = $derived(this.methodOption.fields.some((f) => f.field === "repository"));
  /**
   * The connection's repository: the workspace (Cloud) or project (Data Center) and repository
   * fields, or the one picked when the way to connect has no repository field. Null when none.
   */
  selectedRepository = $derived.by((): { owner: string; slug: string; key: string } | null => {
    if (!this.keepsRepository) {
      return this.picked
        ? {
            owner: ownerOf(this.picked),
            slug: this.picked.slug,
            key: keyOf(ownerOf(this.picked), this.picked.slug),
          }
        : null;
    }
    const slug = this.values.repository.trim();
    const owner = (this.provider === "cloud" ? this.values.workspace : this.values.project).trim();
    return slug && owner ? { owner, slug, key: keyOf(owner, slug) } : null;
  });

  // One LatestOnly per sort of request.
  #links = new LatestOnly();
  #opens = new LatestOnly();
  #hintRequests = new LatestOnly();
  #serverRequests = new LatestOnly();
  #checks = new LatestOnly();
  #saves = new LatestOnly();
  #reaches = new LatestOnly();
  #searches = new LatestOnly();
  #reviewerRequests = new LatestOnly();
  /** The id of the last check sent: what Cancel stops and Save saves. */
  #checkId = 0;
  /** The id of the last check that passed: the core lists repositories with its credential. */
  #passedCheckId = 0;
  /** Which credential the list of repositories belongs to (see #credentialKey); null when none. */
  #reachKey: string | null = null;
  /** Counts the edits of the secret, so that the list's key need not hold the secret itself. */
  #secretEdits = 0;
  #secretTimer: ReturnType<typeof setTimeout> | undefined;
  #serverTimer: ReturnType<typeof setTimeout> | undefined;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Create it while a component initialises (it keeps the Generate link up to date with an
   * effect). `options` is read through a function so that the draft follows the component's prop.
   */
  constructor(options: () => FormOptions, existing: Connection | null) {
    this.#options = options;
    this.existing = existing;
    if (existing) {
      this.provider = existing.provider;
      this.method = existing.method;
      this.profile = existing.profile;
      this.server = existing.provider === "data-center" ? existing.base_url : "";
      this.values = {
        email: existing.email ?? "",
        username: existing.bitbucket_username ?? "",
        workspace: existing.workspace ?? "",
        project: existing.project ?? "",
        repository: existing.repository ?? "",
      };
      this.name = existing.name;
    }
    this.expiresOn = existing?.expires_on ?? this.#defaultExpiry(this.method);

    // Keep the Generate link and its checklist in step with what is chosen.
    $effect(() => void this.#fetchLink(this.linkInput()));
  }

  get options(): FormOptions {
    return this.#options();
  }

  /** Stops the timers and drops the answers still on their way (the form is closing). */
  dispose() {
    clearTimeout(this.#secretTimer);
    clearTimeout(this.#serverTimer);
    clearTimeout(this.#searchTimer);
    // Not #saves: a save that reached the core has happened, and the list must hear of it.
    const dropped = [
      this.#links,
      this.#opens,
      this.#hintRequests,
      this.#serverRequests,
      this.#checks,
      this.#reaches,
      this.#searches,
      this.#reviewerRequests,
    ];
    for (const requests of dropped) requests.invalidate();
  }

  /** Fills in and locks what the administrator's template fixes; null for "Another server". */
  chooseTemplate(template: Template | null) {
    this.chosenTemplate = template?.name ?? null;
    if (!template) return;
    this.chooseProvider(template.provider);
    if (template.method) this.chooseMethod(template.method);
    if (template.profile) this.profile = template.profile;
    this.server = template.base_url ?? "";
    if (this.server) this.serverChanged();
  }

  chooseProvider(next: ProviderKind) {
    this.provider = next;
    const first = this.providerOption.methods.find((m) => !m.unavailable)!;
    this.chooseMethod(first.method);
  }

  chooseMethod(next: Method) {
    this.method = next;
    this.inputsChanged();
    if (!this.existing) this.expiresOn = this.#defaultExpiry(next);
  }

  chooseProfile(next: Profile) {
    this.profile = next;
    this.inputsChanged();
  }

  /**
   * Something the check is made from changed: the report no longer applies, and a check still
   * running is stopped and its answer dropped.
   */
  inputsChanged() {
    this.report = null;
    // The picker shows what a passed check reaches; it comes back with the next one (the list is
    // kept when the credential is the same).
    this.reachShown = false;
    this.#reviewerRequests.invalidate();
    this.reviewers = null;
    if (!this.checking) return;
    this.#checks.invalidate();
    this.checking = false;
    this.status = "Check cancelled.";
    void commands.cancelCheck(this.#checkId);
  }

  /** Call after each edit of the secret: the hints follow once typing pauses. */
  secretChanged() {
    this.#secretEdits += 1;
    this.inputsChanged();
    clearTimeout(this.#secretTimer);
    this.#secretTimer = setTimeout(() => void this.#inspectSecret(), SECRET_PAUSE_MS);
  }

  async #inspectSecret() {
    const { method, secret } = this;
    if (!secret) {
      this.hints = null;
      return;
    }
    const hints = await this.#hintRequests.send(() => commands.inspectSecret(method, secret));
    if (hints === STALE || method !== this.method || secret !== this.secret) return;
    this.hints = hints;
  }

  /** Call after each edit of the server address: it is looked at once typing pauses. */
  serverChanged() {
    this.inputsChanged();
    clearTimeout(this.#serverTimer);
    const typed = this.server;
    this.#serverTimer = setTimeout(() => void this.#inspectServer(typed), SERVER_PAUSE_MS);
  }

  async #inspectServer(typed: string) {
    if (!typed.trim()) {
      this.serverCheck = null;
      return;
    }
    const answer = await this.#serverRequests.send(() => commands.inspectServer(typed, null, false));
    if (answer === STALE || typed !== this.server || answer.status !== "ok") return;
    this.serverCheck = answer.data;
    // A pasted repository address names its project and repository: fill them in if empty.
    if (answer.data.project && !this.values.project) this.values.project = answer.data.project;
    if (answer.data.repository && !this.values.repository) this.values.repository = answer.data.repository;
  }

  /** What the Generate link is built from. */
  linkInput(): LinkInput {
    return {
      method: this.method,
      profile: this.profile,
      server: this.provider === "data-center" ? this.baseUrl : null,
      server_version: this.serverCheck?.server?.version ?? null,
      username: this.values.username || null,
      workspace: this.values.workspace || null,
      project: this.values.project || null,
      repository: this.values.repository || null,
    };
  }

  async #fetchLink(input: LinkInput) {
    // Opening the previous link's page is no news once the link has changed.
    this.#opens.invalidate();
    const link = await this.#links.send(() => commands.credentialLink(input));
    if (link !== STALE) this.link = link;
  }

  /** Opens the page where the credential is created, in the browser. */
  async generate() {
    this.problem = null;
    const input = this.linkInput();
    const answer = await this.#opens.send(() => commands.openCredentialLink(input));
    if (answer === STALE) return;
    this.status = answer.status === "ok" ? `Opened ${answer.data} in your browser.` : "";
    if (answer.status === "error") this.problem = describeError(answer.error);
  }

  /**
   * Checks the credential with Bitbucket; Save is possible once the report is ok. `picked` is the
   * repository just picked in the picker, which stays shown while it is checked.
   */
  async test(picked: ReachableRepository | null = null) {
    if (this.checking) {
      // Only a pick starts a check while one runs: the earlier one no longer counts.
      this.#checks.invalidate();
      void commands.cancelCheck(this.#checkId);
    }
    this.problem = null;
    this.report = null;
    this.checking = true;
    this.#reviewerRequests.invalidate();
    this.reviewers = null;
    if (!picked) this.reachShown = false;
    this.status = picked ? `Checking ${pathOf(picked)}…` : "Checking with Bitbucket…";
    const request = this.#checkRequest();
    const key = this.#credentialKey();
    const answer = await this.#checks.send((id) => {
      this.#checkId = id;
      return commands.checkCredential(id, request);
    });
    if (answer === STALE) return;
    this.checking = false;
    if (answer.status === "ok") {
      // The core words the verdict and suggests the name: the form only shows them.
      this.report = answer.data.report;
      this.status = answer.data.verdict;
      if (!this.name) this.name = answer.data.suggested_name;
      if (answer.data.report.ok) this.#passed(key, picked);
    } else {
      this.status = answer.error.code === "cancelled" ? "Check cancelled." : "";
      if (answer.error.code !== "cancelled") this.problem = describeError(answer.error);
    }
  }

  /** After a passed check: the picker, its list (loaded once per credential) and the reviewers. */
  #passed(key: string, picked: ReachableRepository | null) {
    this.#passedCheckId = this.#checkId;
    this.reachShown = true;
    // A repository picked from the list is reached by the credential the list belongs to, even
    // where the list follows the fields (a token tied to a workspace or project).
    if (picked) this.#reachKey = key;
    if (key !== this.#reachKey || (!this.reach && !this.reachLoading)) void this.#loadReach(key);
    if (this.profile === "pull-requests") void this.#loadReviewers();
  }

  /** Which credential a check is made with: what the list of repositories it reaches depends on. */
  #credentialKey(): string {
    const r = this.#checkRequest();
    const tied = TIED.includes(r.method);
    const scope = tied ? [r.workspace, r.project, r.repository] : [];
    return JSON.stringify([
      this.provider,
      r.method,
      r.server,
      r.email,
      r.username,
      this.#secretEdits,
      ...scope,
    ]);
  }

  async #loadReach(key: string) {
    this.#reachKey = key;
    this.reach = null;
    this.reachProblem = null;
    this.reachLoading = true;
    this.reachQuery = "";
    this.reachFound = null;
    this.picked = null;
    clearTimeout(this.#searchTimer);
    this.#searches.invalidate();
    this.reachSearching = false;
    const checkId = this.#passedCheckId;
    const answer = await this.#reaches.send(() => commands.reachRepositories(checkId, null));
    if (answer === STALE || key !== this.#reachKey) return;
    this.reachLoading = false;
    if (answer.status === "ok") this.reach = answer.data;
    else this.reachProblem = describeError(answer.error);
  }

  /**
   * Call after each edit of the picker's search. The loaded list is filtered on the page at once;
   * when it was cut short, the server is asked too, once typing pauses.
   */
  reachQueryChanged() {
    clearTimeout(this.#searchTimer);
    this.#searches.invalidate();
    this.reachSearching = false;
    this.reachFound = null;
    const filter = this.reachQuery.trim();
    if (!this.reach?.truncated || !filter) return;
    this.reachSearching = true;
    this.#searchTimer = setTimeout(() => void this.#searchServer(filter), SEARCH_PAUSE_MS);
  }

  async #searchServer(filter: string) {
    const key = this.#reachKey;
    const checkId = this.#passedCheckId;
    const answer = await this.#searches.send(() => commands.reachRepositories(checkId, filter));
    if (answer === STALE || key !== this.#reachKey || filter !== this.reachQuery.trim()) return;
    this.reachSearching = false;
    this.reachFound =
      answer.status === "ok"
        ? { filter, repositories: answer.data.repositories, problem: null }
        : { filter, repositories: [], problem: describeError(answer.error) };
  }

  /**
   * Picks a repository from the picker: fills the workspace (Cloud) or project (Data Center) and
   * the repository, which the connection keeps as its default repository, and checks again, now
   * against exactly that repository. A way to connect without a repository field only shows it.
   */
  pickRepository(repo: ReachableRepository) {
    const has = (field: Field) => this.methodOption.fields.some((f) => f.field === field);
    this.picked = repo;
    if (this.provider === "cloud" && has("workspace") && repo.workspace)
      this.values.workspace = repo.workspace;
    if (has("project") && repo.project) this.values.project = repo.project;
    if (!has("repository")) {
      this.status = `Picked ${pathOf(repo)}.`;
      if (this.profile === "pull-requests") void this.#loadReviewers();
      return;
    }
    this.values.repository = repo.slug;
    void this.test(repo);
  }

  /** The default reviewers of the connection's repository, with the passed check's credential. */
  async #loadReviewers() {
    const target = this.selectedRepository;
    if (!target) return;
    const path = `${target.owner}/${target.slug}`;
    this.reviewers = { path, loading: true, names: [], problem: null };
    const checkId = this.#passedCheckId;
    const answer = await this.#reviewerRequests.send(() =>
      commands.repositoryReviewers(checkId, target.owner, target.slug),
    );
    if (answer === STALE) return;
    this.reviewers =
      answer.status === "ok"
        ? {
            path,
            loading: false,
            names: answer.data.map((r) => r.display_name || r.username || "?"),
            problem: null,
          }
        : { path, loading: false, names: [], problem: describeError(answer.error) };
  }

  /** Stops the running check (its answer then says it was cancelled). */
  async cancel() {
    await commands.cancelCheck(this.#checkId);
  }

  /** Saves the checked credential. Resolves to the saved connection, or null when nothing was saved. */
  async save(): Promise<ConnectionView | null> {
    if (!this.report?.ok) return null;
    this.saving = true;
    this.problem = null;
    const checkId = this.#checkId;
    const name = this.name.trim();
    const expiresOn = this.expiresOn || null;
    const replacing = this.existing?.name ?? null;
    const answer = await this.#saves.send(() => commands.saveConnection(checkId, name, expiresOn, replacing));
    if (answer === STALE) return null;
    this.saving = false;
    if (answer.status === "error") {
      this.problem = describeError(answer.error);
      return null;
    }
    this.secret = "";
    return answer.data;
  }

  /** What the check is sent: only the fields the chosen method uses. */
  #checkRequest(): CheckRequest {
    const valueOf = (field: Field) =>
      (this.methodOption.fields.some((f) => f.field === field) && this.values[field].trim()) || null;
    return {
      method: this.method,
      server: this.provider === "data-center" ? this.server : null,
      email: valueOf("email"),
      username: valueOf("username"),
      workspace: valueOf("workspace"),
      project: valueOf("project"),
      repository: valueOf("repository"),
      profile: this.profile,
      require: [],
      ca_file: null,
      allow_http: false,
      secret: this.secret,
    };
  }

  /** The expiry date a new credential of this method gets by default ("" when none). */
  #defaultExpiry(of: Method): string {
    const option = this.options.providers.flatMap((p) => p.methods).find((m) => m.method === of);
    return option?.default_expiry_days != null ? dateInDays(option.default_expiry_days) : "";
  }
}
