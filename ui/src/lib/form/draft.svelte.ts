// The connection form's state: what the user chose and typed, what the core answered about it (the
// server check, the secret hints, the Generate link, the check report), and the actions the parts
// of the form call. What the checked credential reaches (the repository picker) is the draft's
// picker, in picker.svelte.ts. The components in this folder only show this draft and forward
// events to it; every call to the core is made here or in the picker.
//
// The core's answers may arrive out of order (a slow server, a debounced hint). Every call goes
// through a LatestOnly (see latest.ts): an answer is applied only if no newer request of the same
// sort was sent in the meantime and the inputs it was computed from have not changed since.
import {
  commands,
  type Connection,
  type Catch,
  type CheckRequest,
  type ConnectionView,
  type CredentialLink,
  type Field,
  type FormOptions,
  type LinkInput,
  type Method,
  type OauthLink,
  type Profile,
  type ProblemAction,
  type ProviderKind,
  type ReachableRepository,
  type SavedEdits,
  type SecretHints,
  type ServerCheck,
  type Template,
  type ValidationReport,
} from "../../bindings";
import { dateInDays, describeError } from "../ipc";
import { LatestOnly, STALE } from "./latest";
import { credentialKey, RepositoryPicker } from "./picker.svelte";
import { pathOf } from "./reach";

/** How long typing must pause before the server address is looked at. */
const SERVER_PAUSE_MS = 400;
/** How long typing must pause before the secret is looked at. */
const SECRET_PAUSE_MS = 120;

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
  /** YYYY-MM-DD as the person answered it, or "" while unanswered. Never filled in for them. */
  expiresOn = $state("");
  /** The person's answer "No expiry" (where the token's page offers that choice). */
  neverExpires = $state(false);
  /** A PEM file to trust for this server's certificate (the server's own, or the company's root). */
  caFile = $state<string | null>(null);
  /** Trust exactly the server certificate with this SHA-256 fingerprint. */
  trustFingerprint = $state<string | null>(null);
  /** Send the credential over plain http to this server (the person accepted the risk). */
  allowHttp = $state(false);
  /** The organisation's template in use, by name; null for "Another server". */
  chosenTemplate = $state<string | null>(null);

  // What the core answered.
  serverCheck = $state<ServerCheck | null>(null);
  /** The form options for the Data Center server's version, once it said it; null before. */
  serverOptions = $state<FormOptions | null>(null);
  hints = $state<SecretHints | null>(null);
  link = $state<CredentialLink | null>(null);
  report = $state<ValidationReport | null>(null);
  /**
   * Signing in with Bitbucket (OAuth 2.0): the consumer typed (Cloud: key and secret; Data Center:
   * the application link's client ID and its secret, if it has one), and the page's address once begun.
   */
  consumerKey = $state("");
  consumerSecret = $state("");
  signInAddress = $state<string | null>(null);
  /**
   * The check that holds the latest sign-in's tokens (in Rust; the page never sees them), while
   * the way to connect and the server are those it signed in to: Test and a repository picked
   * check those tokens again.
   */
  signedInCheck = $state<number | null>(null);
  /** Set when the credential works with a catch: saving then needs `catchAccepted`. */
  catch = $state<Catch | null>(null);
  catchAccepted = $state(false);

  /** What the credential of the latest passed check reaches: the repository picker. */
  readonly picker: RepositoryPicker = new RepositoryPicker(this);

  // Progress and messages.
  checking = $state(false);
  /** The server address is being looked at (shown as "Checking…" like a check). */
  detecting = $state(false);
  saving = $state(false);
  /** The status line (announced politely). */
  status = $state("");
  /** What went wrong (announced as an alert). */
  problem = $state<string | null>(null);

  /** The chosen provider's ways to connect; on Data Center, as the server's version allows. */
  providerOption = $derived(
    ((this.provider === "data-center" && this.serverOptions) || this.options).providers.find(
      (p) => p.provider === this.provider,
    )!,
  );
  methodOption = $derived(
    this.providerOption.methods.find((m) => m.method === this.method) ?? this.providerOption.methods[0],
  );
  /** The server's base URL as the core normalised it, or as typed until it answers. */
  baseUrl = $derived(this.serverCheck?.base_url ?? (this.server.trim() || null));
  template = $derived(this.options.templates.find((t) => t.name === this.chosenTemplate) ?? null);
  /** A template fixes the provider and the server. */
  locked = $derived(this.template !== null);
  /**
   * OAuth 2.0 (Cloud, or a Data Center application link) is a sign-in in the browser: no secret is
   * pasted, and an edit signs in again rather than replacing the saved tokens with a bare token.
   */
  signsIn = $derived(
    this.methodOption.method === "oauth" || this.methodOption.method === "data-center-oauth",
  );
  /** The Data Center application link the administrator's policy names for this server, if any. */
  policyLink = $derived(this.#policyLink());
  /**
   * Signing in with the consumer the administrator's policy names: nothing to create or type (the
   * form then shows no "Where to create it").
   */
  consumerFromPolicy = $derived(
    this.signsIn && (this.provider === "cloud" ? !!this.options.oauth_consumer : !!this.policyLink),
  );
  /** The redirect URL the application link must be registered with (Data Center). */
  signInRedirect = $derived(this.policyLink?.redirect_uri ?? this.options.oauth_redirect);
  /**
   * Editing a signed-in connection, still on its way to connect and server: signing in again can
   * use the consumer it signed in with (read from the keychain in Rust), so none need be typed.
   */
  signsInAgain = $derived(this.signsIn && this.#savedSecretUsable());
  /** Whether the sign-in has a consumer to use: the policy's, the saved one, or one typed. */
  canSignIn = $derived(!this.checking && this.#consumerReady());
  /** Whether the chosen way to connect keeps a repository (it is then the connection's default one). */
  keepsRepository = $derived(this.methodOption.fields.some((f) => f.field === "repository"));
  /** Whether and how the form asks when the credential expires. */
  expiryQuestion = $derived(this.methodOption.expiry);
  /** The latest expiry the policy allows (YYYY-MM-DD), or null without a cap. */
  latestExpiry = $derived(
    this.options.max_token_lifetime_days != null ? dateInDays(this.options.max_token_lifetime_days) : null,
  );
  /** A date to offer with one press (the method's usual lifetime, within the policy's cap). */
  suggestedExpiry = $derived(
    this.methodOption.default_expiry_days != null ? dateInDays(this.methodOption.default_expiry_days) : null,
  );
  /** What is wrong with the expiry answer, or null when it can be saved. */
  expiryError = $derived(this.#expiryError());
  /**
   * Editing, with no new secret typed, and the same way to connect to the same server: Test then
   * checks the saved secret (in the keychain, never sent to the page) with the values edited.
   */
  usesSavedSecret = $derived(this.#savedSecretUsable() && !this.secret.trim());
  /** What the secret field says about the saved secret while editing; null when adding. */
  savedSecretNote = $derived(this.#savedSecretNote());
  /** Whether Test can check something: a secret typed, the saved one, or the tokens of a sign-in. */
  canTest = $derived(
    !this.checking && (!!this.secret.trim() || this.usesSavedSecret || this.signedInCheck !== null),
  );
  /** What is wrong with the connection name as typed (the core's rule, names taken), or null. */
  nameError = $state<string | null>(null);
  /** A free name like the one typed, when that one is taken. */
  nameSuggestion = $state<string | null>(null);
  /** Counts the finished checks: the verdict takes the focus after each (see CheckSection). */
  verdicts = $state(0);

  // One LatestOnly per sort of request.
  #links = new LatestOnly();
  #opens = new LatestOnly();
  #hintRequests = new LatestOnly();
  #serverRequests = new LatestOnly();
  #versionRequests = new LatestOnly();
  #checks = new LatestOnly();
  #saves = new LatestOnly();
  #nameRequests = new LatestOnly();
  /** The id of the last check sent: what Cancel stops and Save saves. */
  #checkId = 0;
  /** Counts the edits of the secret: the picker's list follows the credential (see credentialKey). */
  #secretEdits = 0;
  #secretTimer: ReturnType<typeof setTimeout> | undefined;
  #serverTimer: ReturnType<typeof setTimeout> | undefined;
  #nameTimer: ReturnType<typeof setTimeout> | undefined;

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
      this.expiresOn = existing.expires_on ?? "";
      this.neverExpires = !existing.expires_on && this.expiryQuestion.answers === "date_or_never";
      this.caFile = existing.ca_file ?? null;
      this.trustFingerprint = existing.trusted_fingerprint ?? null;
      this.allowHttp = existing.allow_http ?? false;
    }

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
    clearTimeout(this.#nameTimer);
    // Not #saves: a save that reached the core has happened, and the list must hear of it.
    const dropped = [
      this.#links,
      this.#opens,
      this.#hintRequests,
      this.#serverRequests,
      this.#versionRequests,
      this.#checks,
      this.#nameRequests,
    ];
    for (const requests of dropped) requests.invalidate();
    this.picker.dispose();
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
    // The core's choice: the usual way, or the best one left by the policy and the server.
    this.chooseMethod(this.providerOption.preferred ?? this.providerOption.methods[0].method);
  }

  chooseMethod(next: Method) {
    if (next !== this.method && !this.existing) {
      // An answer about another kind of credential says nothing about this one.
      this.expiresOn = "";
      this.neverExpires = false;
    }
    this.method = next;
    this.signedInCheck = null;
    this.inputsChanged();
    this.#clearMessages();
  }

  chooseProfile(next: Profile) {
    this.profile = next;
    // A sign-in asked for the scopes of the profile it was made with.
    this.signedInCheck = null;
    this.inputsChanged();
  }

  /**
   * Something the check is made from changed: the report no longer applies, and a check still
   * running is stopped and its answer dropped.
   */
  inputsChanged() {
    this.report = null;
    this.catch = null;
    this.catchAccepted = false;
    this.picker.hide();
    if (!this.checking) {
      // What the status said was about the inputs as they were.
      this.status = "";
      return;
    }
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
    this.signedInCheck = null;
    this.inputsChanged();
    this.#clearMessages();
    this.serverCheck = null;
    clearTimeout(this.#serverTimer);
    const typed = this.server;
    this.#serverTimer = setTimeout(() => void this.#inspectServer(typed), SERVER_PAUSE_MS);
  }

  async #inspectServer(typed: string) {
    if (!typed.trim()) {
      this.serverCheck = null;
      void this.#followServerVersion(null);
      return;
    }
    this.detecting = true;
    const { caFile, trustFingerprint, allowHttp } = this;
    const answer = await this.#serverRequests.send(() =>
      commands.inspectServer(typed, caFile, trustFingerprint, allowHttp),
    );
    if (answer === STALE) return;
    this.detecting = false;
    if (typed !== this.server || answer.status !== "ok") return;
    this.serverCheck = answer.data;
    // A pasted repository address names its project and repository: fill them in if empty.
    if (answer.data.project && !this.values.project) this.values.project = answer.data.project;
    if (answer.data.repository && !this.values.repository) this.values.repository = answer.data.repository;
    await this.#followServerVersion(answer.data.server?.version ?? null);
  }

  /**
   * Asks the core what the server's version can issue: what it cannot is greyed out, and a chosen
   * way it cannot issue gives way to the best one left (unless the organisation's template fixes it).
   */
  async #followServerVersion(version: string | null) {
    if (!version) {
      this.#versionRequests.invalidate();
      this.serverOptions = null;
      return;
    }
    const answer = await this.#versionRequests.send(() => commands.formOptions(version));
    if (answer === STALE || answer.status !== "ok" || version !== this.serverCheck?.server?.version) return;
    this.serverOptions = answer.data;
    const chosen = this.providerOption.methods.find((m) => m.method === this.method);
    const preferred = this.providerOption.preferred;
    if (this.provider === "data-center" && chosen?.unavailable && !this.template?.method && preferred) {
      this.chooseMethod(preferred);
    }
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
   * repository just picked in the picker, which stays shown while it is checked. The credential is
   * the one typed, the saved one (editing), or the tokens of the latest sign-in; a way to connect
   * that signs in and has none of these signs in.
   */
  async test(picked: ReachableRepository | null = null) {
    const source = this.#credentialSource();
    if (source === "sign-in" && !picked) return this.signIn();
    return this.#check(picked, source);
  }

  /** "Sign in with Bitbucket": opens the server's page in the browser and checks what it grants. */
  async signIn() {
    // The credential changes: the picker's list is loaded again for it (see credentialKey).
    this.#secretEdits += 1;
    this.signedInCheck = null;
    return this.#check(null, "sign-in");
  }

  /** Which credential Test checks now (see test). */
  #credentialSource(): CredentialSource {
    if (this.signsIn && this.signedInCheck !== null) return "signed-in";
    if (this.usesSavedSecret) return "saved";
    return this.signsIn ? "sign-in" : "typed";
  }

  async #check(picked: ReachableRepository | null, source: CredentialSource) {
    if (this.checking) {
      // Only a pick starts a check while one runs: the earlier one no longer counts.
      this.#checks.invalidate();
      void commands.cancelCheck(this.#checkId);
    }
    this.problem = null;
    this.report = null;
    this.checking = true;
    this.picker.hide(picked);
    const saved = this.existing;
    this.status = picked
      ? `Checking ${pathOf(picked)}…`
      : source === "saved" && saved
        ? `Checking the saved ${this.signsIn ? "sign-in" : isPassword(saved.method) ? "password" : "token"} with Bitbucket…`
        : source === "sign-in"
          ? "Waiting for you to allow access on Bitbucket's page in your browser…"
          : "Checking with Bitbucket…";
    const request = this.#checkRequest();
    const key = credentialKey(this.provider, request, this.#secretEdits, this.methodOption.tied_to_place);
    const signedIn = this.signedInCheck;
    const answer = await this.#checks.send(async (id) => {
      this.#checkId = id;
      switch (source) {
        case "sign-in":
          return this.#signIn(id, request);
        // The tokens and the saved secret are checked where they are kept: the page sends only the values.
        case "signed-in":
          return commands.checkSignedIn(id, signedIn!, request);
        case "saved":
          return commands.checkSaved(id, saved!.name, savedEdits(request));
        case "typed":
          return commands.checkCredential(id, request);
      }
    });
    if (answer === STALE) return;
    this.checking = false;
    if (source === "sign-in") this.signInAddress = null;
    if (answer.status === "ok") {
      // The core words the verdict and suggests the name: the form only shows them.
      this.report = answer.data.report;
      this.catch = answer.data.catch;
      this.catchAccepted = false;
      this.status = answer.data.verdict;
      if (!this.name) {
        this.name = answer.data.suggested_name;
        void this.#checkName(true);
      }
      // A check of the tokens that passed holds them now (one that did not leaves them where they were).
      const holdsTokens = source === "sign-in" || source === "signed-in";
      if (answer.data.report.ok && holdsTokens) this.signedInCheck = this.#checkId;
      // The picker lists with the credential the check kept in Rust: the page sends no secret.
      if (answer.data.report.ok) this.picker.passed(this.#checkId, key, picked);
    } else {
      this.status = answer.error.code === "cancelled" ? "Check cancelled." : "";
      if (answer.error.code !== "cancelled") this.problem = describeError(answer.error);
    }
    if (!picked) this.verdicts += 1;
  }

  /**
   * Opens the server's sign-in page in the browser (its address kept for "Copy the address"), then
   * waits. The consumer: the one typed, else (signing in again) the saved connection's, else the
   * policy's; Rust chooses among them with the core's rule.
   */
  async #signIn(id: number, request: CheckRequest) {
    const fromPolicy = this.consumerFromPolicy;
    const key = fromPolicy ? null : this.consumerKey.trim() || null;
    const secret = fromPolicy || !key ? null : this.consumerSecret || null;
    const again = this.signsInAgain ? this.existing!.name : null;
    const begun = await commands.oauthBegin(id, request, key, secret, again);
    if (begun.status === "error") return begun;
    this.signInAddress = begun.data;
    return commands.oauthFinish(id, request);
  }

  /** The policy's application link for the Data Center server as the core normalised its address. */
  #policyLink(): OauthLink | null {
    if (this.provider !== "data-center" || !this.baseUrl) return null;
    const base = trimmedUrl(this.baseUrl);
    return this.options.oauth_links.find((l) => trimmedUrl(l.base_url) === base) ?? null;
  }

  /** Whether the sign-in has a consumer: Cloud needs a key and secret, a Data Center link only its ID. */
  #consumerReady(): boolean {
    const typedKey = !!this.consumerKey.trim();
    if (this.signsInAgain && (!typedKey || this.provider === "data-center")) return true;
    if (this.consumerFromPolicy) return true;
    return this.provider === "data-center" ? typedKey : typedKey && !!this.consumerSecret.trim();
  }

  /** Call after each edit of the name: it is checked with the core's rule once typing pauses. */
  nameChanged() {
    clearTimeout(this.#nameTimer);
    this.#nameTimer = setTimeout(() => void this.#checkName(false), SECRET_PAUSE_MS);
  }

  /** Checks the name; `suggested`: it is the core's suggestion, replaced by a free one if taken. */
  async #checkName(suggested: boolean) {
    const name = this.name;
    if (!name.trim() && !suggested) {
      this.nameError = "Give the connection a name: your tools and git use it to find this connection.";
      this.nameSuggestion = null;
      return;
    }
    const keeping = this.existing?.name ?? null;
    const answer = await this.#nameRequests.send(() => commands.checkConnectionName(name, keeping));
    if (answer === STALE || name !== this.name || answer.status !== "ok") return;
    if (suggested && answer.data.suggestion) {
      this.name = answer.data.suggestion;
      this.nameError = null;
      this.nameSuggestion = null;
      return;
    }
    this.nameError = answer.data.problem;
    this.nameSuggestion = answer.data.suggestion;
  }

  /** Takes the free name the core suggested. */
  useSuggestedName() {
    if (!this.nameSuggestion) return;
    this.name = this.nameSuggestion;
    this.nameError = null;
    this.nameSuggestion = null;
  }

  /** Trust a PEM file for the server's certificate, chosen in the system's file dialog. */
  async chooseCaFile() {
    const answer = await commands.chooseCertificateFile();
    if (answer === null) return;
    this.caFile = answer;
    this.#trustChanged();
  }

  /** Trust exactly the certificate with this fingerprint (the one the refusal named). */
  trustCertificate(fingerprint: string) {
    this.trustFingerprint = fingerprint;
    this.#trustChanged();
  }

  /** Stops trusting the chosen certificate file and the pinned certificate. */
  forgetTrust() {
    this.caFile = null;
    this.trustFingerprint = null;
    this.#trustChanged();
  }

  setAllowHttp(allowed: boolean) {
    this.allowHttp = allowed;
    this.#trustChanged();
  }

  /** What is trusted changed: the server is asked again, and the credential checked again. */
  #trustChanged() {
    this.inputsChanged();
    if (this.provider === "data-center" && this.server.trim()) {
      clearTimeout(this.#serverTimer);
      void this.#inspectServer(this.server);
    }
    if (this.canTest) void this.test();
  }

  /**
   * Does what a problem's button offers (see ProblemAction). The actions that only move the focus
   * to a field (a new secret, another value) are the component's: this returns the id to focus.
   */
  act(action: ProblemAction): string | null {
    switch (action.kind) {
      case "choose_ca_file":
        void this.chooseCaFile();
        return null;
      case "trust_certificate":
        this.trustCertificate(action.fingerprint);
        return null;
      case "allow_http":
        this.setAllowHttp(true);
        return null;
      case "generate_token":
        this.chooseMethod(action.method);
        void this.generate();
        return "secret";
      case "use_method":
        this.chooseMethod(action.method);
        this.status = `Now connecting with "${this.methodOption.label}": fill in what it needs, then press Test.`;
        return null;
      case "replace_secret":
        return this.signsIn ? "sign-in" : "secret";
      case "edit_field":
        return `field-${action.field}`;
      case "edit_server":
        return "server";
      case "check_again":
        void this.test();
        return null;
    }
  }

  /** The words of a problem's button in this form (see act); null where the form cannot do it. */
  actionLabel(action: ProblemAction): string | null {
    switch (action.kind) {
      case "choose_ca_file":
        return "Choose certificate file…";
      case "trust_certificate":
        return "Trust this certificate for this server";
      case "allow_http":
        return this.provider === "data-center" ? "Allow unencrypted http for this server" : null;
      case "generate_token":
        return `Generate ${withArticle(this.#methodLabel(action.method))}`;
      case "use_method":
        return `Use "${this.#methodLabel(action.method)}" instead`;
      case "replace_secret":
        if (this.signsIn) return this.existing ? "Sign in again" : "Sign in with Bitbucket again";
        return this.method === "basic" ? "Type the password again" : "Paste a new token";
      case "edit_field": {
        const field = this.methodOption.fields.find((f) => f.field === action.field);
        return field ? `Correct "${field.label}"` : null;
      }
      case "edit_server":
        return this.provider === "data-center" && !this.locked ? "Correct the server address" : null;
      case "check_again":
        return "Test again";
    }
  }

  #methodLabel(method: Method): string {
    return this.options.providers.flatMap((p) => p.methods).find((m) => m.method === method)?.label ?? method;
  }

  #clearMessages() {
    this.status = "";
    this.problem = null;
  }

  /** Whether the saved secret fits what the form says: the same way to connect, the same server. */
  #savedSecretUsable(): boolean {
    const existing = this.existing;
    if (!existing || existing.method !== this.method || existing.provider !== this.provider) return false;
    return this.provider === "cloud" || trimmedUrl(this.server) === trimmedUrl(existing.base_url);
  }

  #savedSecretNote(): string | null {
    const existing = this.existing;
    if (!existing) return null;
    const password = isPassword(existing.method);
    const what = password ? "password" : "token";
    if (!this.#savedSecretUsable()) {
      return `The saved ${what} is for another way to connect or another server: ${password ? "type" : "paste"} a new one here.`;
    }
    const added = plainDate(existing.created_at);
    const saved = `A ${what} is saved${added ? ` (added ${added})` : ""}.`;
    return password
      ? `${saved} Type a new one only to replace it.`
      : `${saved} Paste a new one only to replace it.`;
  }

  /** What is wrong with the expiry answer, or null when it can be saved. */
  #expiryError(): string | null {
    const { answers } = this.expiryQuestion;
    if (answers === "not_asked" || (answers === "date_or_never" && this.neverExpires)) return null;
    if (!this.expiresOn) {
      return answers === "date_or_never"
        ? 'Give the date it expires, or choose "No expiry" if you chose that.'
        : "Give the date it expires.";
    }
    if (this.latestExpiry && this.expiresOn > this.latestExpiry) {
      return `Your organisation allows tokens to live at most ${this.options.max_token_lifetime_days} days: it must expire by ${this.latestExpiry}. Create a token that expires by then.`;
    }
    return null;
  }

  /** The expiry the core is sent: the date answered, or none (not asked, or "No expiry"). */
  #expiryAnswer(): string | null {
    const { answers } = this.expiryQuestion;
    if (answers === "not_asked" || (answers === "date_or_never" && this.neverExpires)) return null;
    return this.expiresOn || null;
  }

  /** Stops the running check (its answer then says it was cancelled). */
  async cancel() {
    await commands.cancelCheck(this.#checkId);
  }

  /** Saves the checked credential. Resolves to the saved connection, or null when nothing was saved. */
  async save(): Promise<ConnectionView | null> {
    if (!this.report?.ok || this.expiryError || this.nameError || !this.name.trim()) return null;
    if (this.catch && !this.catchAccepted) {
      this.problem = `It works with a catch: tick “${this.catch.consent}” to save it, or choose another way to connect.`;
      return null;
    }
    this.saving = true;
    this.problem = null;
    const checkId = this.#checkId;
    const name = this.name.trim();
    const expiresOn = this.#expiryAnswer();
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
      ca_file: this.caFile,
      trust_fingerprint: this.trustFingerprint,
      allow_http: this.allowHttp,
      secret: this.secret,
    };
  }
}

/** What a check sends Bitbucket: the secret typed, the saved one, a new sign-in, or its tokens again. */
type CredentialSource = "typed" | "saved" | "sign-in" | "signed-in";

/** A server address without spaces around or slashes at the end, to compare two. */
function trimmedUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

/** The values of a check request an edit may change while keeping the saved secret. */
function savedEdits(request: CheckRequest): SavedEdits {
  const { email, username, workspace, project, repository, profile, ca_file, trust_fingerprint, allow_http } =
    request;
  return { email, username, workspace, project, repository, profile, ca_file, trust_fingerprint, allow_http };
}

/** Whether the secret of `method` is a password (typed) rather than a token (pasted). */
function isPassword(method: Method): boolean {
  return method === "basic" || method === "app-password";
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "26 November 2026" for a saved timestamp ("2026-11-26T10:00:00Z"); null when it is not one. */
export function plainDate(timestamp: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(timestamp);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && month ? `${Number(match[3])} ${month} ${match[1]}` : null;
}

/** "an API token", "a personal HTTP access token": a label after an article, mid-sentence. */
function withArticle(label: string): string {
  // Lower-case a capital that only starts the sentence ("Personal"), never an acronym ("API").
  const word = /^[A-Z][a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
  return `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;
}
