// The repository picker's state: what the credential of the latest passed check reaches, the search
// in it (asked of the server too when the list was cut short), the matches with the window of them
// rendered and the active option, the repository picked and its default reviewers. The draft owns
// it (draft.picker) and tells it when a check starts and passes; ReachPicker.svelte shows it.
//
// As in the draft, every call goes through a LatestOnly (see latest.ts). The list is loaded once
// per credential (see credentialKey) and replaced whole, never edited: raw state, so that
// thousands of repositories are not made deeply reactive.
import {
  commands,
  type CheckRequest,
  type Field,
  type ProviderKind,
  type Reach,
  type ReachableRepository,
} from "../../bindings";
import { describeError } from "../ipc";
import type { ConnectionDraft } from "./draft.svelte";
import { LatestOnly, STALE } from "./latest";
import { keyOf, matching, merged, ownerOf, pathOf } from "./reach";

/** Options rendered at first, and added each time the window of rendered options grows. */
export const STEP = 100;
/** How long typing must pause before a search in a cut-short list of repositories asks the server. */
const SEARCH_PAUSE_MS = 300;
/** A repository's default reviewers, as the picker shows them. */
export interface ReviewersView {
  /** "acme/models". */
  path: string;
  loading: boolean;
  names: string[];
  /** Why they could not be read (message and fix). */
  problem: string | null;
}

/**
 * Which credential a check is made with: what the list of repositories it reaches depends on.
 * `secretEdits` counts the edits of the secret, so that the key need not hold the secret itself.
 */
export function credentialKey(
  provider: ProviderKind,
  r: CheckRequest,
  secretEdits: number,
  tiedToPlace: boolean,
): string {
  // For a token tied to one place (the core's `tied_to_place`), that place is the credential.
  const scope = tiedToPlace ? [r.workspace, r.project, r.repository] : [];
  return JSON.stringify([provider, r.method, r.server, r.email, r.username, secretEdits, ...scope]);
}

export class RepositoryPicker {
  readonly #draft: ConnectionDraft;

  /** Whether the picker is shown: after a passed check, and while a repository picked in it is checked. */
  shown = $state(false);
  reach = $state.raw<Reach | null>(null);
  loading = $state(false);
  /** Why the list could not be had (message and fix). */
  problem = $state<string | null>(null);
  /** The search typed in the picker. */
  query = $state("");
  /** What the server found for a search, when the list was cut short; null while none or typing. */
  found = $state.raw<{
    filter: string;
    repositories: ReachableRepository[];
    problem: string | null;
  } | null>(null);
  searching = $state(false);
  /** The repository last picked, for a way to connect without a repository field. */
  picked = $state.raw<ReachableRepository | null>(null);
  reviewers = $state<ReviewersView | null>(null);

  /** The search as it is matched and sent to the server. */
  filter = $derived(this.query.trim());
  /** The loaded repositories matching the search, and what the server found for it. */
  matches = $derived(
    merged(
      matching(this.reach?.repositories ?? [], this.filter),
      this.found?.filter === this.filter ? this.found.repositories : [],
    ),
  );
  // The window [start, end) of rendered options and the active option (an index in the matches):
  // back to the top whenever the matches change. The listbox assigns to them while the user moves.
  start = $derived.by(() => {
    void this.matches;
    return 0;
  });
  end = $derived.by(() => {
    void this.matches;
    return STEP;
  });
  active = $derived.by(() => {
    void this.matches;
    return -1;
  });

  /**
   * The connection's repository: the workspace (Cloud) or project (Data Center) and repository
   * fields, or the one picked when the way to connect has no repository field. Null when none.
   */
  selected = $derived.by((): { owner: string; slug: string; key: string } | null => {
    const draft = this.#draft;
    if (!draft.keepsRepository) {
      return this.picked
        ? {
            owner: ownerOf(this.picked),
            slug: this.picked.slug,
            key: keyOf(ownerOf(this.picked), this.picked.slug),
          }
        : null;
    }
    const slug = draft.values.repository.trim();
    const owner = (draft.provider === "cloud" ? draft.values.workspace : draft.values.project).trim();
    return slug && owner ? { owner, slug, key: keyOf(owner, slug) } : null;
  });

  #reaches = new LatestOnly();
  #searches = new LatestOnly();
  #reviewerRequests = new LatestOnly();
  /** The id of the last check that passed: the core lists repositories with its credential. */
  #passedCheckId = 0;
  /** Which credential the list of repositories belongs to (see credentialKey); null when none. */
  #key: string | null = null;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(draft: ConnectionDraft) {
    this.#draft = draft;
  }

  /** Stops the search timer and drops the answers still on their way (the form is closing). */
  dispose() {
    clearTimeout(this.#searchTimer);
    for (const requests of [this.#reaches, this.#searches, this.#reviewerRequests]) requests.invalidate();
  }

  /**
   * Hides the picker and forgets the reviewers until the next passed check (the list is kept while
   * the credential is the same). While `picked`, just picked in it, is checked, it stays shown.
   */
  hide(picked: ReachableRepository | null = null) {
    this.#reviewerRequests.invalidate();
    this.reviewers = null;
    if (!picked) this.shown = false;
  }

  /**
   * After a passed check, with the credential `key` (see credentialKey): the picker, its list
   * (loaded once per credential) and the reviewers.
   */
  passed(checkId: number, key: string, picked: ReachableRepository | null) {
    this.#passedCheckId = checkId;
    this.shown = true;
    // A repository picked from the list is reached by the credential the list belongs to, even
    // where the list follows the fields (a token tied to a workspace or project).
    if (picked) this.#key = key;
    if (key !== this.#key || (!this.reach && !this.loading)) void this.#load(key);
    if (this.#draft.profile === "pull-requests") void this.#loadReviewers();
  }

  async #load(key: string) {
    this.#key = key;
    this.reach = null;
    this.problem = null;
    this.loading = true;
    this.query = "";
    this.found = null;
    this.picked = null;
    clearTimeout(this.#searchTimer);
    this.#searches.invalidate();
    this.searching = false;
    const checkId = this.#passedCheckId;
    const answer = await this.#reaches.send(() => commands.reachRepositories(checkId, null));
    if (answer === STALE || key !== this.#key) return;
    this.loading = false;
    if (answer.status === "ok") this.reach = answer.data;
    else this.problem = describeError(answer.error);
  }

  /**
   * Call after each edit of the search. The loaded list is filtered on the page at once; when it
   * was cut short, the server is asked too, once typing pauses.
   */
  queryChanged() {
    clearTimeout(this.#searchTimer);
    this.#searches.invalidate();
    this.searching = false;
    this.found = null;
    const filter = this.filter;
    if (!this.reach?.truncated || !filter) return;
    this.searching = true;
    this.#searchTimer = setTimeout(() => void this.#searchServer(filter), SEARCH_PAUSE_MS);
  }

  async #searchServer(filter: string) {
    const key = this.#key;
    const checkId = this.#passedCheckId;
    const answer = await this.#searches.send(() => commands.reachRepositories(checkId, filter));
    if (answer === STALE || key !== this.#key || filter !== this.filter) return;
    this.searching = false;
    this.found =
      answer.status === "ok"
        ? { filter, repositories: answer.data.repositories, problem: null }
        : { filter, repositories: [], problem: describeError(answer.error) };
  }

  /**
   * Picks a repository: fills the workspace (Cloud) or project (Data Center) and the repository,
   * which the connection keeps as its default repository, and checks again, now against exactly
   * that repository. A way to connect without a repository field only shows it.
   */
  pick(repo: ReachableRepository) {
    const draft = this.#draft;
    const { values } = draft;
    const has = (field: Field) => draft.methodOption.fields.some((f) => f.field === field);
    this.picked = repo;
    if (draft.provider === "cloud" && has("workspace") && repo.workspace) values.workspace = repo.workspace;
    if (has("project") && repo.project) values.project = repo.project;
    if (!has("repository")) {
      draft.status = `Picked ${pathOf(repo)}.`;
      if (draft.profile === "pull-requests") void this.#loadReviewers();
      return;
    }
    values.repository = repo.slug;
    void draft.test(repo);
  }

  /** The default reviewers of the connection's repository, with the passed check's credential. */
  async #loadReviewers() {
    const target = this.selected;
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
}
