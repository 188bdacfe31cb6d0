/**
 * Runs at most `limit` tasks per key at once; the others wait their turn in call order. Tasks with
 * other keys are not held up.
 */
export class TurnsByKey {
  private readonly keys = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let state = this.keys.get(key);
    if (!state) {
      state = { running: 0, waiting: [] };
      this.keys.set(key, state);
    }
    if (state.running >= this.limit) await new Promise<void>((go) => state.waiting.push(go));
    else state.running += 1;
    try {
      return await task();
    } finally {
      const next = state.waiting.shift();
      // The slot passes straight to the next task, so a newcomer cannot overtake the queue.
      if (next) next();
      else if (--state.running === 0) this.keys.delete(key);
    }
  }

  /** How many keys have tasks running or waiting. */
  get busyKeys(): number {
    return this.keys.size;
  }
}
