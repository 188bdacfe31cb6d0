import { TurnsByKey } from './turns-by-key';

describe('TurnsByKey', () => {
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  it('runs at most `limit` tasks of a key at once, the rest in call order', async () => {
    const turns = new TurnsByKey(2);
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const tasks = gates.map((g, i) =>
      turns.run('user', async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1].open();
    await tasks[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates.forEach((g) => g.open());
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect(turns.busyKeys).toBe(0);
  });

  it('does not hold up other keys, and frees the turn of a task that fails', async () => {
    const turns = new TurnsByKey(1);
    const held = gate();
    const first = turns.run('a', () => held.opened);
    expect(await turns.run('b', async () => 'b')).toBe('b');
    const failing = turns.run('a', () => Promise.reject(new Error('boom')));
    const after = turns.run('a', async () => 'after');
    held.open();
    await first;
    await expect(failing).rejects.toThrow('boom');
    expect(await after).toBe('after');
    expect(turns.busyKeys).toBe(0);
  });
});
