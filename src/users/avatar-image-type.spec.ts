import { sniffAvatarType } from './avatar-image-type';

const bytes = (...values: number[]) => Buffer.from(values);

describe('sniffAvatarType', () => {
  it('recognises PNG, JPEG and WebP by their leading bytes', () => {
    expect(sniffAvatarType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).toBe(
      'image/png',
    );
    expect(sniffAvatarType(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe('image/jpeg');
    expect(
      sniffAvatarType(
        Buffer.concat([Buffer.from('RIFF'), bytes(1, 2, 3, 4), Buffer.from('WEBPVP8 ')]),
      ),
    ).toBe('image/webp');
  });

  it.each([
    ['text', Buffer.from('hello, this is not an image')],
    ['empty', Buffer.alloc(0)],
    ['truncated PNG signature', bytes(0x89, 0x50, 0x4e, 0x47)],
    ['GIF', Buffer.from('GIF89a......')],
    [
      'RIFF that is not WebP',
      Buffer.concat([Buffer.from('RIFF'), bytes(1, 2, 3, 4), Buffer.from('WAVE')]),
    ],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])('refuses %s', (_name, data) => {
    expect(sniffAvatarType(data)).toBeNull();
  });
});
