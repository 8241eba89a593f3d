/**
 * A bounded push-to-pull queue: producers push, one consumer iterates. Overflow closes the queue
 * with an error instead of buffering without limit (a subscriber that cannot keep up resumes later
 * from its last seq).
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((e: Error) => void) | null = null;
  private done = false;
  private error: Error | null = null;

  constructor(
    private readonly limit: number,
    private readonly onClose: () => void = () => {},
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
      this.fail(new Error(`subscriber fell more than ${this.limit} events behind; resubscribe with since = the last seq received`));
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
    this.onClose();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
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
