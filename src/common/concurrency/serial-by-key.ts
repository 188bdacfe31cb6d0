/** Runs tasks that share a key one after another, in call order; tasks with other keys run at once. */
export class SerialByKey {
  /** The last task queued per key, settled either way; gone once that key has nothing queued. */
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** How many keys have tasks queued or running. */
  get busyKeys(): number {
    return this.tails.size;
  }
}
