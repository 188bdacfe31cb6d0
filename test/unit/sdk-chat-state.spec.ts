import { ChatState } from '../../sdk/src/chat-state';
import type { Chat, Message } from '../../sdk/src/types';

const ME = 1;

const chat = (lastRev: number): Chat =>
  ({ id: 7, type: 'group', name: 'g', lastRev, rev: 1, unreadCount: 0 }) as unknown as Chat;

const message = (id: number, rev: number, extra: Partial<Message> = {}): Message =>
  ({
    id,
    chatId: 7,
    seq: id,
    rev,
    senderId: 2,
    body: `m${id}`,
    reactions: [],
    mentions: [],
    attachments: [],
    attachmentCount: 0,
    deletedAt: null,
    ...extra,
  }) as unknown as Message;

/** A chat whose whole (empty) history is loaded, so every message it takes is held. */
function loaded(lastRev: number): ChatState {
  const state = new ChatState(chat(lastRev), lastRev, ME);
  state.takeHistory([], true);
  return state;
}

describe('the SDK chat state (docs/realtime.md recipe)', () => {
  it('tells an applied rev, the next one and a gap apart', () => {
    const state = loaded(5);
    expect([4, 5, 6, 7].map((rev) => state.position(rev))).toEqual([
      'applied',
      'applied',
      'next',
      'gap',
    ]);
  });

  it('takes a message state only when it is newer than the one held', () => {
    const state = loaded(1);
    expect(state.take(message(1, 3))).not.toBeNull();
    expect(state.take(message(1, 3))).toBeNull();
    expect(state.take(message(1, 2, { body: 'older' }))).toBeNull();
    expect(state.get(1)?.body).toBe('m1');
    expect(state.take(message(1, 4, { body: 'edited' }))).not.toBeNull();
    expect(state.get(1)?.body).toBe('edited');
  });

  it('keeps my own `me` when a room event says false for everyone', () => {
    const state = loaded(1);
    state.take(message(1, 2, { reactions: [{ emoji: '👍', count: 1, me: true }] }));
    state.takeFromRoom(
      message(1, 3, {
        body: 'edited',
        reactions: [{ emoji: '👍', count: 2, me: false }],
      }),
    );
    expect(state.get(1)?.reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);
  });

  it('sets reaction counts as given, drops an emoji at 0 and sorts most used first', () => {
    const state = loaded(1);
    state.take(message(1, 2));
    const change = (emoji: string, count: number, userId: number, on: boolean, rev: number) =>
      state.reactions({ chatId: 7, messageId: 1, emoji, count, userId, on, rev });
    change('b', 1, 2, true, 3);
    change('a', 1, ME, true, 4);
    change('b', 2, 3, true, 5);
    expect(state.get(1)?.reactions).toEqual([
      { emoji: 'b', count: 2, me: false },
      { emoji: 'a', count: 1, me: true },
    ]);
    change('a', 0, ME, false, 6);
    expect(state.get(1)?.reactions).toEqual([{ emoji: 'b', count: 2, me: false }]);
    expect(state.get(1)?.rev).toBe(6);
  });

  it('turns a deleted message into a tombstone, and ignores one it never held', () => {
    const state = loaded(1);
    state.take(message(1, 2, { reactions: [{ emoji: 'x', count: 1, me: false }] }));
    state.deleted(1, 3, '2026-01-01T00:00:00.000Z', 5);
    expect(state.get(1)).toMatchObject({ body: null, reactions: [], rev: 3, deletedBy: 5 });
    expect(state.deleted(99, 4, '2026-01-01T00:00:00.000Z', 5)).toBeNull();
  });

  it('holds no message older than the history loaded, so no hole hides in it', () => {
    const state = new ChatState(chat(1), 1, ME);
    state.takeHistory([message(12, 13), message(11, 12), message(10, 11)], false);
    expect(state.take(message(3, 20, { body: 'old one, reacted to' }))).toBeNull();
    expect(state.oldestId()).toBe(10);
    state.takeHistory([message(9, 10)], true);
    expect(state.take(message(3, 21))).not.toBeNull();
    expect(state.oldestId()).toBeNull();
  });

  it('lists messages in seq order whatever order they came in', () => {
    const state = loaded(1);
    for (const id of [3, 1, 2]) state.take(message(id, id + 1));
    expect(state.list().map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});
