// "Latest only": keeps a slow, out-of-date answer from the core from overwriting a newer one.
//
// Each request takes a ticket. When its answer arrives, it is used only if its ticket is still the
// latest: no newer request of the same sort was sent since, and nothing called `invalidate()` (which
// the form does when the inputs the request was computed from change). Otherwise the answer is
// dropped and `send` resolves to STALE.

/** What `send` resolves to when the answer came too late to be used. */
export const STALE = Symbol("stale");

export class LatestOnly {
  #latest = 0;

  /** The newest ticket handed out (0 before the first request). */
  get latest(): number {
    return this.#latest;
  }

  /** Whether an answer to `ticket` may still be used. */
  isLatest(ticket: number): boolean {
    return ticket === this.#latest;
  }

  /** Makes every answer still on its way stale, without sending anything. */
  invalidate(): void {
    this.#latest += 1;
  }

  /**
   * Sends `request` with a new ticket (which it may pass on, e.g. as a check id) and resolves to its
   * answer, or to STALE when a newer ticket was taken before the answer arrived. A failure is
   * thrown only while it is still the latest; a stale failure is dropped like a stale answer.
   */
  async send<T>(request: (ticket: number) => Promise<T>): Promise<T | typeof STALE> {
    this.#latest += 1;
    const ticket = this.#latest;
    try {
      const answer = await request(ticket);
      return this.isLatest(ticket) ? answer : STALE;
    } catch (error) {
      if (this.isLatest(ticket)) throw error;
      return STALE;
    }
  }
}
