import { describe, expect, it } from "vitest";
import { LatestOnly, STALE } from "./latest";

/** A promise the test settles by hand, to make answers arrive in the order it wants. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("LatestOnly", () => {
  it("hands over the answer to the only request", async () => {
    const requests = new LatestOnly();
    expect(await requests.send(async () => "answer")).toBe("answer");
  });

  it("drops a slow earlier answer that arrives after the newer one", async () => {
    const requests = new LatestOnly();
    const slow = deferred<string>();
    const fast = deferred<string>();
    const first = requests.send(() => slow.promise);
    const second = requests.send(() => fast.promise);
    fast.resolve("new");
    expect(await second).toBe("new");
    slow.resolve("old");
    expect(await first).toBe(STALE);
  });

  it("drops an earlier answer even when it arrives first", async () => {
    const requests = new LatestOnly();
    const early = deferred<string>();
    const late = deferred<string>();
    const first = requests.send(() => early.promise);
    const second = requests.send(() => late.promise);
    early.resolve("old");
    expect(await first).toBe(STALE);
    late.resolve("new");
    expect(await second).toBe("new");
  });

  it("gives each request a new ticket, which it may pass on", async () => {
    const requests = new LatestOnly();
    expect(requests.latest).toBe(0);
    const tickets: number[] = [];
    await requests.send(async (ticket) => tickets.push(ticket));
    await requests.send(async (ticket) => tickets.push(ticket));
    expect(tickets).toEqual([1, 2]);
    expect(requests.latest).toBe(2);
    expect(requests.isLatest(2)).toBe(true);
    expect(requests.isLatest(1)).toBe(false);
  });

  it("drops the answers still on their way after invalidate()", async () => {
    const requests = new LatestOnly();
    const pending = deferred<string>();
    const answer = requests.send(() => pending.promise);
    requests.invalidate();
    pending.resolve("computed from what changed since");
    expect(await answer).toBe(STALE);
    expect(await requests.send(async () => "fresh")).toBe("fresh");
  });

  it("throws a failure of the latest request, and drops a stale one", async () => {
    const requests = new LatestOnly();
    const stale = deferred<string>();
    const latest = deferred<string>();
    const first = requests.send(() => stale.promise);
    const second = requests.send(() => latest.promise);
    stale.reject(new Error("too late to matter"));
    expect(await first).toBe(STALE);
    latest.reject(new Error("this one matters"));
    await expect(second).rejects.toThrow("this one matters");
  });
});
