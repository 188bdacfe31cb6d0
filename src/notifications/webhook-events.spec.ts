import { ChatsEvents } from '../chats/events/chats.events';
import { MessagesEvents } from '../messages/events/messages.events';
import { outgoingEventsOf, subscribes } from './webhook-events';

describe('outgoingEventsOf', () => {
  const at = new Date('2026-12-04T10:00:00.000Z');

  it('maps the events the outside world hears of, in order, with fresh ids, and drops the rest', () => {
    const events = outgoingEventsOf(
      [
        { name: ChatsEvents.read, payload: { chatId: 1 } },
        {
          name: MessagesEvents.deleted,
          payload: {
            chatId: 1,
            messageId: 9,
            topic: 'internal',
            rev: 4,
            deletedAt: 'x',
            deletedBy: 2,
          },
        },
        { name: MessagesEvents.created, payload: { message: { id: 10 }, topic: 'internal' } },
      ],
      at,
    );
    expect(events).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'message.deleted',
        createdAt: at.toISOString(),
        data: { chatId: 1, messageId: 9, rev: 4, deletedAt: 'x', deletedBy: 2 },
      },
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'message.created',
        createdAt: at.toISOString(),
        data: { message: { id: 10 } },
      },
    ]);
    expect(events[0].id).not.toBe(events[1].id);
  });

  it('subscribes by type or to everything', () => {
    expect(subscribes(['message.created'], 'message.created')).toBe(true);
    expect(subscribes(['message.created'], 'message.deleted')).toBe(false);
    expect(subscribes(['*'], 'friendship.removed')).toBe(true);
  });
});
