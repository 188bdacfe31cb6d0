import { MessagesError } from './messages.errors';
import { EmojiState, planReactions, ReactedMessage, ReactionRequest } from './reaction-plan';

describe('planReactions', () => {
  const message: ReactedMessage = { id: 10, chatId: 1, rev: 5, deleted: false };
  const messages = new Map([[10, message]]);
  const request = (userId: number, emoji: string, on = true): ReactionRequest => ({
    userId,
    chatId: 1,
    messageId: 10,
    emoji,
    on,
  });
  const counter = () => {
    let rev = 7;
    return () => ++rev;
  };

  it('counts from the rows found, adds a row once and gives each change its own rev', () => {
    const state: EmojiState[] = [{ messageId: 10, emoji: '👍', count: 3, users: [2] }];
    const plan = planReactions(
      [request(1, '👍'), request(1, '👍'), request(2, '👍'), request(3, '❤')],
      messages,
      state,
      counter(),
    );
    expect(plan.outcomes).toEqual([
      expect.objectContaining({ count: 4, me: true, changed: true, rev: 8 }),
      expect.objectContaining({ count: 4, me: true, changed: false, rev: 8 }),
      expect.objectContaining({ count: 4, me: true, changed: false, rev: 8 }),
      expect.objectContaining({ emoji: '❤', count: 1, changed: true, rev: 9 }),
    ]);
    expect(plan.added).toEqual([
      { chatId: 1, messageId: 10, userId: 1, emoji: '👍' },
      { chatId: 1, messageId: 10, userId: 3, emoji: '❤' },
    ]);
    expect(plan.removed).toEqual([]);
    expect(plan.revs).toEqual(new Map([[10, 9]]));
  });

  it('writes only the net change of a reaction put on and taken off in one batch', () => {
    const plan = planReactions(
      [request(1, '👍'), request(1, '👍', false), request(2, '👍', false)],
      messages,
      [{ messageId: 10, emoji: '👍', count: 1, users: [2] }],
      counter(),
    );
    expect(plan.outcomes.map((o) => (o as { count: number }).count)).toEqual([2, 1, 0]);
    expect(plan.added).toEqual([]);
    expect(plan.removed).toEqual([{ chatId: 1, messageId: 10, userId: 2, emoji: '👍' }]);
  });

  it('refuses a 21st distinct emoji but not one already there, nor one freed in the batch', () => {
    const state = Array.from({ length: 20 }, (_, i) => ({
      messageId: 10,
      emoji: `e${i}`,
      count: 1,
      users: [] as number[],
    }));
    const plan = planReactions(
      [request(1, 'new'), request(1, 'e3'), request(9, 'e0', false), request(1, 'new')],
      messages,
      [...state.slice(1), { messageId: 10, emoji: 'e0', count: 1, users: [9] }],
      counter(),
    );
    expect(plan.outcomes[0]).toBeInstanceOf(MessagesError);
    expect((plan.outcomes[0] as MessagesError).code).toBe('REACTION_LIMIT');
    expect(plan.outcomes[1]).toEqual(expect.objectContaining({ count: 2, changed: true }));
    expect(plan.outcomes[3]).toEqual(expect.objectContaining({ count: 1, changed: true }));
  });

  it('refuses missing, foreign and deleted messages', () => {
    const plan = planReactions(
      [
        request(1, '👍'),
        { ...request(1, '👍'), chatId: 2 },
        { ...request(1, '👍'), messageId: 11 },
      ],
      new Map([
        [10, { ...message, deleted: true }],
        [11, { ...message, id: 11 }],
      ]),
      [],
      counter(),
    );
    expect(plan.outcomes.map((o) => (o as MessagesError).code)).toEqual([
      'MESSAGE_DELETED',
      'MESSAGE_NOT_FOUND',
      undefined,
    ]);
  });
});
