import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { TransactionHost } from './transaction-host';

/** The host's event rules over a stand-in connection (its SQL is covered end to end). */
describe('TransactionHost events', () => {
  const committed: string[] = [];
  const heard: string[] = [];
  const dataSource = {
    manager: {} as EntityManager,
    transaction: async <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => {
      const result = await work({} as EntityManager);
      committed.push('COMMIT');
      return result;
    },
  };
  const events = new EventEmitter2({ wildcard: true });
  events.onAny((name) => heard.push(String(name)));
  const host = new TransactionHost(dataSource as unknown as DataSource, events);

  beforeEach(() => {
    committed.length = 0;
    heard.length = 0;
  });

  it('holds events until the transaction commits, then emits them in publishing order', async () => {
    await host.run(async () => {
      host.publish('first', {});
      await host.run(async () => host.publish('nested', {}));
      await Promise.resolve();
      host.publish('last', {});
      expect(heard).toEqual([]);
    });
    expect(committed).toEqual(['COMMIT']);
    expect(heard).toEqual(['first', 'nested', 'last']);
  });

  it('announces nothing when the transaction rolls back', async () => {
    await expect(
      host.run(async () => {
        host.publish('never', {});
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(heard).toEqual([]);
  });

  it('emits at once outside a transaction', () => {
    host.publish('now', {});
    expect(heard).toEqual(['now']);
  });

  it('keeps the events of concurrent transactions apart', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = host.run(async () => {
      host.publish('slow', {});
      await held;
    });
    await host.run(async () => host.publish('quick', {}));
    expect(heard).toEqual(['quick']);
    release();
    await slow;
    expect(heard).toEqual(['quick', 'slow']);
  });

  it('never fails a committed transaction when a listener throws, and still runs the others', async () => {
    const failing = () => {
      throw new Error('listener broke');
    };
    events.on('breaks', failing);
    try {
      await expect(
        host.run(async () => {
          host.publish('breaks', {});
          host.publish('after', {});
          return 'stored';
        }),
      ).resolves.toBe('stored');
      expect(committed).toEqual(['COMMIT']);
      expect(heard).toEqual(['breaks', 'after']);
    } finally {
      events.off('breaks', failing);
    }
  });
});
