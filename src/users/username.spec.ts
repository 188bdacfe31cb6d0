import { isPossibleUsername, usernameKey, usernameSkeleton } from './username';

describe('usernameKey', () => {
  it('lowercases ASCII letters only, as lower() under the C collation does', () => {
    expect(usernameKey('Shivam_01.X-Y')).toBe('shivam_01.x-y');
    expect(usernameKey('shİvam')).toBe('shİvam');
    expect(usernameKey('\u212Aelvin')).toBe('\u212Aelvin');
    expect(usernameKey('ǅemal')).toBe('ǅemal');
  });
});

describe('isPossibleUsername', () => {
  it.each(['shivam', 'Shahn', 'a_b', 'x.y-z', 'a'.repeat(32)])('accepts %j', (name) => {
    expect(isPossibleUsername(name)).toBe(true);
  });

  it.each(['ab', 'a'.repeat(33), 'shİvam', '\u212Aelvin', 'sh ivam', 'shivam\n', ''])(
    'refuses %j',
    (name) => {
      expect(isPossibleUsername(name)).toBe(false);
    },
  );
});

describe('usernameSkeleton', () => {
  it.each([
    ['paypal', 'paypa1'],
    ['paypal', 'PAYPAI'],
    ['bob0', 'BOBO'],
    ['modern', 'modem'],
    ['wave', 'vvave'],
    ['Ilya', '1lya'],
  ])('makes %j and %j look alike', (a, b) => {
    expect(usernameSkeleton(a)).toBe(usernameSkeleton(b));
  });

  it.each([
    ['shivam', 'shahn'],
    ['a_b', 'a.b'],
    ['a-b', 'a_b'],
    ['rnm', 'mn'],
  ])('keeps %j and %j apart', (a, b) => {
    expect(usernameSkeleton(a)).not.toBe(usernameSkeleton(b));
  });

  it('replaces left to right without overlaps, as PostgreSQL replace() does', () => {
    expect(usernameSkeleton('rnrnn')).toBe('mmn');
    expect(usernameSkeleton('vvv')).toBe('wv');
  });
});
