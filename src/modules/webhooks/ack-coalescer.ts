/**
 * Writes acknowledgements the way a database writes commits in a group: an acknowledgement that comes
 * while one write is in flight waits for it and goes out with every other that came meanwhile, in one
 * statement. None waits for more than the write ahead of it (an answered request is recorded as soon
 * as the database is free, never held back for a slower one), and with one request at a time each is
 * written alone. Requests side by side then cost one statement per round instead of one each: their
 * statements all updated the destination's counter row, so they queued on its lock anyway.
 */
export class AckCoalescer<A, R> {
  private waiting: { ack: A; resolve: (r: R | undefined) => void; reject: (e: unknown) => void }[] = [];
  private writing = false;

  /** `write` records a group and answers each acknowledgement's result by key. */
  constructor(
    private readonly write: (acks: A[]) => Promise<Map<string, R>>,
    private readonly key: (ack: A) => string,
  ) {}

  /** Resolves once the acknowledgement is written: its result, or undefined when `write` had none for it. */
  add(ack: A): Promise<R | undefined> {
    const done = new Promise<R | undefined>((resolve, reject) => this.waiting.push({ ack, resolve, reject }));
    if (!this.writing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length) {
      const group = this.waiting;
      this.waiting = [];
      try {
        const results = await this.write(group.map((g) => g.ack));
        for (const g of group) g.resolve(results.get(this.key(g.ack)));
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
    this.writing = false;
  }
}
