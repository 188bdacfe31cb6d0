import { AttachmentsService } from '../attachments/attachments.service';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { ChatsService } from '../chats/chats.service';
import { TransactionHost } from '../database/transaction-host';
import { MessagesEvents } from './events/messages.events';
import { MessageChanges } from './message-changes';
import { MessageFiles } from './message-files';
import { MessageBatcher, SendRequest } from './message-batcher';
import { MentionsRepository } from './mentions.repository';
import { InsertedMessage, MessagesRepository, NewMessage } from './messages.repository';
import { ReactionsRepository } from './reactions.repository';

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
    insertMany: async (fresh: NewMessage[]): Promise<InsertedMessage[]> => {
      flushes.push(fresh.map((message) => message.body));
      if (firstFlushHeld) {
        const held = firstFlushHeld;
        firstFlushHeld = null;
        await held;
      }
      if (fresh.some((message) => message.body === 'poison'))
        throw new Error('refused by the database');
      return fresh.map(() => ({ id: nextId++, createdAt: new Date() }));
    },
  };
  const chats = {
    lockForSends: async () => ({
      chat: (chatId: number) => ({ id: chatId, topic: `chat:${chatId}`, lastSeq: 0, lastRev: 1 }),
      refusal: () => null,
    }),
    recordFlush: async () => undefined,
  };
  // The real transaction host over a stand-in connection: a transaction commits when its work
  // resolves and rolls back when it throws.
  const dataSource = {
    transaction: <T>(work: (manager: EntityManager) => Promise<T>) => work({} as EntityManager),
  };
  const events = new EventEmitter2();
  const announced = jest.fn();
  events.on(MessagesEvents.created, announced);
  // Sends without files: nothing to lock, attach or sign.
  const attachments = {
    lockForAttach: async () => new Map(),
    attach: async () => undefined,
    forReader: () => [],
  } as unknown as AttachmentsService;
  const batcher = new MessageBatcher(
    repository as unknown as MessagesRepository,
    {} as ReactionsRepository,
    chats as unknown as ChatsService,
    new TransactionHost(dataSource as unknown as DataSource, events),
    attachments,
    new MessageFiles(attachments),
    // Sends without mentions: nothing to insert.
    {} as MentionsRepository,
    // Sends only: no edit or delete to store.
    new MessageChanges(
      repository as unknown as MessagesRepository,
      {} as MentionsRepository,
      chats as unknown as ChatsService,
      attachments,
      new MessageFiles(attachments),
      new TransactionHost(dataSource as unknown as DataSource, events),
    ),
  );

  const send = (body: string, chatId = 1): SendRequest => ({
    senderId: 7,
    chatId,
    body,
    clientMessageId: null,
    replyToId: null,
    attachmentIds: [],
    mentions: [],
  });

  beforeEach(() => {
    flushes = [];
    announced.mockClear();
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
    expect(announced).toHaveBeenCalledTimes(3);
  });
});
