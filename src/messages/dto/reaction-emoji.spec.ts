import { toReactionEmoji } from './reaction-emoji';

describe('toReactionEmoji', () => {
  it.each([
    ['👍', '👍'],
    ['👍🏽', '👍🏽'],
    ['❤️', '❤'],
    ['❤', '❤'],
    ['1️⃣', '1⃣'],
    ['#️⃣', '#⃣'],
    ['🇫🇷', '🇫🇷'],
    ['🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['👨‍👩‍👧‍👦', '👨‍👩‍👧‍👦'],
    ['👩🏽‍❤️‍💋‍👨🏾', '👩🏽‍❤‍💋‍👨🏾'],
    ['©️', '©'],
    ['thumbs_up', 'thumbs_up'],
    ['+1', '+1'],
    ['1', '1'],
    ['a', 'a'],
  ])('stores %s as %s', (input, stored) => {
    expect(toReactionEmoji(input)).toBe(stored);
  });

  it.each([
    ['', 'empty'],
    ['Thumbs', 'capitals'],
    ['é', 'a letter'],
    ['a\u0301', 'a letter with a combining mark'],
    ['👍👍', 'two emoji'],
    ['👍 ', 'an emoji and a space'],
    ['\u200d', 'a lone joiner'],
    ['👍\u0301', 'an emoji with a combining mark'],
    ['x'.repeat(33), 'a shortcode too long'],
    ['👍'.concat('\u200d👍'.repeat(10)), 'a joined chain too long'],
    ['\ud83d', 'a lone surrogate'],
  ])('refuses %j (%s)', (input) => {
    expect(toReactionEmoji(input)).toBeNull();
  });
});
