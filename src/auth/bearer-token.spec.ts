import { AuthErrorCode } from './auth.errors';
import { bearerToken, MAX_CREDENTIAL_LENGTH } from './bearer-token';

describe('bearerToken', () => {
  it.each([
    ['Bearer x', 'x'],
    ['bearer x', 'x'],
    ['BEARER eyJ.abc.def', 'eyJ.abc.def'],
    ['Bearer     x   ', 'x'],
    ['  Bearer\tx', 'x'],
  ])('reads the token of %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it('hands over what follows the scheme as one token, for verification to refuse', () => {
    expect(bearerToken('Bearer x y')).toBe('x y');
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and spaces', 'Bearer    '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a scheme that only starts like Bearer', 'Bearerx y'],
    ['a bare token', 'eyJ.abc.def'],
    ['a header list', ['Bearer x', 'Bearer y']],
    ['a header at the cap without whitespace', 'a'.repeat(MAX_CREDENTIAL_LENGTH)],
    ['a header at the cap of whitespace', ' \t'.repeat(MAX_CREDENTIAL_LENGTH / 2)],
  ])('finds no token in %s', (_label, header) => {
    expect(bearerToken(header)).toBeUndefined();
  });

  it('takes a header at the cap', () => {
    const token = 'x'.repeat(MAX_CREDENTIAL_LENGTH - 'Bearer '.length);
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
  });

  it.each([
    ['one character over the cap', `Bearer ${'x'.repeat(MAX_CREDENTIAL_LENGTH - 6)}`],
    ['100 KB without whitespace', 'a'.repeat(100 * 1024)],
    ['100 KB after the scheme', `Bearer ${'a'.repeat(100 * 1024)}`],
    ['100 KB of alternating whitespace', ' \t'.repeat(50 * 1024)],
    ['100 KB of "Bearer "', 'Bearer '.repeat(15 * 1024)],
  ])('refuses %s as an invalid token', (_label, header) => {
    expect(header.length).toBeGreaterThan(MAX_CREDENTIAL_LENGTH);
    expect(() => bearerToken(header)).toThrow(
      expect.objectContaining({ code: AuthErrorCode.TOKEN_INVALID }),
    );
  });
});
