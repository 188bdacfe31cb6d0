import { assertAvatarPixels, avatarTypeOf, MAX_AVATAR_PIXELS } from './avatar-image';
import { MAX_AVATAR_BYTES } from './avatar-image-type';
import { UsersErrorCode } from './users.errors';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const refusal = (check: () => unknown) => {
  try {
    check();
  } catch (error) {
    const { code, status, message } = error as { code: string; status: number; message: string };
    return { code, status, message };
  }
  throw new Error('expected a refusal');
};

describe('avatarTypeOf', () => {
  it('takes a file that starts like a PNG, JPEG or WebP, up to 1 MiB', () => {
    expect(avatarTypeOf(PNG_SIGNATURE)).toBe('image/png');
    const largest = Buffer.alloc(MAX_AVATAR_BYTES);
    PNG_SIGNATURE.copy(largest);
    expect(avatarTypeOf(largest)).toBe('image/png');
  });

  it.each([
    ['an empty file', Buffer.alloc(0), UsersErrorCode.AVATAR_MISSING, 400],
    [
      'a file over 1 MiB',
      Buffer.concat([PNG_SIGNATURE, Buffer.alloc(MAX_AVATAR_BYTES)]),
      UsersErrorCode.AVATAR_TOO_LARGE,
      413,
    ],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00'), UsersErrorCode.AVATAR_UNSUPPORTED_TYPE, 415],
  ])('refuses %s', (_label, upload, code, status) => {
    expect(refusal(() => avatarTypeOf(upload))).toMatchObject({ code, status });
  });
});

describe('assertAvatarPixels', () => {
  it('takes up to 4096 × 4096 pixels, whatever the shape', () => {
    expect(MAX_AVATAR_PIXELS).toBe(4096 * 4096);
    expect(() => assertAvatarPixels(4096, 4096)).not.toThrow();
    expect(() => assertAvatarPixels(16384, 1024)).not.toThrow();
    expect(() => assertAvatarPixels(1, 1)).not.toThrow();
  });

  it.each([
    [4097, 4096],
    [20000, 20000],
    [MAX_AVATAR_PIXELS + 1, 1],
  ])('refuses %i × %i with 413 AVATAR_TOO_MANY_PIXELS, naming the bound', (width, height) => {
    expect(refusal(() => assertAvatarPixels(width, height))).toEqual({
      code: UsersErrorCode.AVATAR_TOO_MANY_PIXELS,
      status: 413,
      message: expect.stringContaining('at most 4096 × 4096 pixels'),
    });
  });
});
