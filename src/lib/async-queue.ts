/**
 * A bounded push-to-pull queue: producers push, one consumer iterates. Overflow closes the queue
 * with an error instead of buffering without limit (a subscriber that cannot keep up resumes later
 * from its last seq).
 */
/** The consumer fell further behind than the queue keeps; it resumes from the last item it took. */
export class QueueOverflowError extends Error {
  constructor(readonly limit: number) {
    super(`subscriber fell more than ${limit} events behind; resubscribe with since = the last seq received`);
  }
}

export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((e: Error) => void) | null = null;
  private done = false;
  private error: Error | null = null;
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    /** Called once when the queue ends: with the error it failed with (an overflow), or null. */
    private readonly onClose: (error: Error | null) => void = () => {},
  ) {}

  get size() {
    return this.items.length;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = this.failWaiting = null;
      w({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.limit) {
      this.fail(new QueueOverflowError(this.limit));
      return;
    }
    this.items.push(item);
  }

  fail(error: Error): void {
    if (this.done) return;
    this.error = error;
    this.finish();
    if (this.failWaiting) this.failWaiting(error);
    this.waiting = this.failWaiting = null;
  }

  private finish() {
    if (this.done) return;
    this.done = true;
    this.wakeRoom();
    this.onClose(this.error);
  }

  /**
   * Resolves once at most `level` items are waiting (or the queue is closed): a producer that can
   * wait (a replay reading the outbox) paces itself to the consumer instead of overflowing it.
   */
  room(level = Math.floor(this.limit / 2)): Promise<void> {
    if (this.done || this.items.length <= level) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.done || this.items.length <= level) resolve();
        else this.roomWaiters.push(check);
      };
      this.roomWaiters.push(check);
    });
  }

  get closed() {
    return this.done;
  }

  private wakeRoom() {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) {
      const value = this.items.shift()!;
      if (this.roomWaiters.length) this.wakeRoom();
      return Promise.resolve({ value, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    this.items.length = 0;
    if (this.waiting) this.waiting({ value: undefined, done: true });
    this.waiting = this.failWaiting = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
