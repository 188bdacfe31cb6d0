import { SerialByKey } from './serial-by-key';

describe('SerialByKey', () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((done) => (resolve = done));
    return { promise, resolve };
  };

  it('runs the tasks of one key one after another, in call order', async () => {
    const serial = new SerialByKey();
    const first = deferred();
    const log: string[] = [];
    const a = serial.run('k', async () => {
      log.push('a starts');
      await first.promise;
      log.push('a ends');
    });
    const b = serial.run('k', async () => {
      log.push('b runs');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['a starts']);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['a starts', 'a ends', 'b runs']);
  });

  it('runs tasks of other keys at once', async () => {
    const serial = new SerialByKey();
    const held = deferred();
    const log: string[] = [];
    const a = serial.run('one', async () => {
      await held.promise;
      log.push('one');
    });
    await serial.run('two', async () => {
      log.push('two');
    });
    held.resolve();
    await a;
    expect(log).toEqual(['two', 'one']);
  });

  it('hands each caller its own result or error, and a failure does not stop the next task', async () => {
    const serial = new SerialByKey();
    const failing = serial.run('k', () => Promise.reject(new Error('boom')));
    const next = serial.run('k', () => Promise.resolve(42));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });

  it('forgets a key once nothing is queued for it', async () => {
    const serial = new SerialByKey();
    await Promise.all([serial.run('k', async () => 1), serial.run('k', async () => 2)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(serial.busyKeys).toBe(0);
  });
});
