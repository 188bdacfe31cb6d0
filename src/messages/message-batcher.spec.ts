import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChatsService } from '../chats/chats.service';
import { TransactionHost } from '../database/transaction-host';
import { Message } from './entities/message.entity';
import { MessageBatcher, SendRequest } from './message-batcher';
import { MessagesRepository, NewMessage } from './messages.repository';

/**
 * The batcher's own rules, with a stand-in for the tables: whatever a flush does to one send, the
 * others in its batch get their real outcome. (The SQL is covered by the end-to-end tests.)
 */
describe('MessageBatcher', () => {
  let nextId = 1;
  let firstFlushHeld: Promise<void> | null = null;
  let flushes: string[][] = [];

  const repository = {
    findByClientMessageIds: async () => [],
    insertMany: async (fresh: NewMessage[]): Promise<Message[]> => {
      flushes.push(fresh.map((message) => message.body));
      if (firstFlushHeld) {
        const held = firstFlushHeld;
        firstFlushHeld = null;
        await held;
      }
      if (fresh.some((message) => message.body === 'poison'))
        throw new Error('refused by the database');
      return fresh.map(
        (message) =>
          ({
            ...message,
            id: nextId++,
            createdAt: new Date(),
            editedAt: null,
            deletedAt: null,
          }) as Message,
      );
    },
  };
  const chats = {
    lockForSends: async () => ({
      chat: (chatId: number) => ({ id: chatId, topic: `chat:${chatId}`, lastSeq: 0 }),
      refusal: () => null,
    }),
    recordSends: async () => undefined,
  };
  const transactions = { run: <T>(work: () => Promise<T>) => work() };
  const events = { emit: jest.fn() };
  const batcher = new MessageBatcher(
    repository as unknown as MessagesRepository,
    chats as unknown as ChatsService,
    transactions as unknown as TransactionHost,
    events as unknown as EventEmitter2,
  );

  const send = (body: string, chatId = 1): SendRequest => ({
    senderId: 7,
    chatId,
    body,
    clientMessageId: null,
  });

  beforeEach(() => {
    flushes = [];
    events.emit.mockClear();
  });

  it('fails only the send the database refuses, not the rest of its batch', async () => {
    let release!: () => void;
    firstFlushHeld = new Promise((resolve) => (release = resolve));
    const first = batcher.send(send('first'));
    const batch = [send('innocent 1'), send('poison'), send('innocent 2', 2)].map((request) =>
      batcher.send(request).then(
        (stored) => stored.message.body,
        (error: Error) => error.message,
      ),
    );
    release();
    await first;
    expect(await Promise.all(batch)).toEqual([
      'innocent 1',
      'refused by the database',
      'innocent 2',
    ]);
    expect(flushes).toEqual([
      ['first'],
      ['innocent 1', 'poison', 'innocent 2'],
      ['innocent 1'],
      ['poison'],
      ['innocent 2'],
    ]);
    // Announced once each, after their own commit.
    expect(events.emit).toHaveBeenCalledTimes(3);
  });
});
