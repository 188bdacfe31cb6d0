import { PlainTextCheck, sniffUploadType, typeMismatch } from './upload-type';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(
    parts.map((part) =>
      typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part),
    ),
  );

describe('sniffUploadType', () => {
  it.each([
    ['PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'rest'), 'image/png'],
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    ['WebP', bytes('RIFF\0\0\0\0WEBPVP8 '), 'image/webp'],
    ['GIF', bytes('GIF89a\x01\0\x01\0'), 'image/gif'],
    ['PDF', bytes('%PDF-1.7\n'), 'application/pdf'],
    ['MP3 with ID3', bytes('ID3\x04\0'), 'audio/mpeg'],
    ['MP3 frame', bytes([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg'],
    ['AAC in ADTS', bytes([0xff, 0xf1, 0x50, 0x80]), 'audio/aac'],
    ['Ogg Opus', bytes('OggS\0\x02', 'OpusHead'), 'audio/ogg'],
    ['Ogg Theora', bytes('OggS\0\x02\x80theora'), 'video/ogg'],
    ['WAV', bytes('RIFF\0\0\0\0WAVEfmt '), 'audio/wav'],
    ['FLAC', bytes('fLaC\0\0\0\x22'), 'audio/flac'],
    ['M4A', bytes([0, 0, 0, 0x20], 'ftypM4A \0\0\0\0'), 'audio/mp4'],
    ['MP4', bytes([0, 0, 0, 0x20], 'ftypisom\0\0\x02\0'), 'video/mp4'],
    ['QuickTime', bytes([0, 0, 0, 0x14], 'ftypqt  '), 'video/quicktime'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'), 'video/webm'],
    ['UTF-8 text', Buffer.from('Grüße, 你好 👋\nline two\r\n\ttabbed'), 'text/plain'],
    [
      'text cut after a whole one',
      Buffer.concat([Buffer.from('aé'), Buffer.from('€').subarray(0, 2)]),
      'text/plain',
    ],
  ])('recognises %s', (_label, head, type) => {
    expect(sniffUploadType(head)).toBe(type);
  });

  it.each([
    ['HTML', '<!DOCTYPE html><p>hi'],
    ['HTML after a BOM and blank lines', '\ufeff\n\n  <html><body>'],
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['XML', '<?xml version="1.0"?><a/>'],
    ['a script tag', '<script>alert(1)</script>'],
  ])('does not take %s for plain text', (_label, text) => {
    expect(sniffUploadType(Buffer.from(text))).toBeNull();
  });

  it.each([
    ['an empty file', Buffer.alloc(0)],
    ['a Windows program', bytes('MZ', [0x90, 0, 3, 0])],
    ['a ZIP', bytes('PK\x03\x04', [0x14, 0])],
    ['text with NUL', Buffer.from('abc\0def')],
    ['text with an escape character', Buffer.from('abc\x1b[31m')],
    ['Matroska that is not WebM', bytes([0x1a, 0x45, 0xdf, 0xa3], 'matroska')],
    ['HEIC', bytes([0, 0, 0, 0x18], 'ftypheic')],
  ])('recognises nothing in %s', (_label, head) => {
    expect(sniffUploadType(head)).toBeNull();
  });
});

describe('typeMismatch', () => {
  it('lets unknown names and generic declared types pass: the bytes decide', () => {
    expect(typeMismatch('image/png', 'photo', undefined)).toBeNull();
    expect(typeMismatch('image/png', 'photo.PNG', 'image/png')).toBeNull();
    expect(typeMismatch('text/plain', 'table.csv', 'text/csv')).toBeNull();
    expect(typeMismatch('application/pdf', 'scan.pdf', 'application/octet-stream')).toBeNull();
    expect(typeMismatch('image/jpeg', 'me.jpeg', 'image/jpg')).toBeNull();
    expect(typeMismatch('video/webm', 'voice.webm', 'audio/webm; codecs=opus')).toBeNull();
  });

  it('names what disagrees with the bytes', () => {
    expect(typeMismatch('image/png', 'cat.pdf', undefined)).toBe('the name ends in .pdf');
    expect(typeMismatch('text/plain', 'page.html', undefined)).toBe('the name ends in .html');
    expect(typeMismatch('image/png', 'cat', 'application/pdf')).toBe(
      'it was sent as application/pdf',
    );
    expect(typeMismatch('text/plain', 'x', 'image/svg+xml')).toBe('it was sent as image/svg+xml');
  });
});

describe('PlainTextCheck', () => {
  it('follows UTF-8 across chunks and refuses a file ending inside a character', () => {
    const euro = Buffer.from('€');
    const check = new PlainTextCheck();
    expect(check.accepts(euro.subarray(0, 1))).toBe(true);
    expect(check.accepts(euro.subarray(1))).toBe(true);
    expect(check.end()).toBe(true);
    const cut = new PlainTextCheck();
    expect(cut.accepts(euro.subarray(0, 2))).toBe(true);
    expect(cut.end()).toBe(false);
  });

  it('refuses invalid UTF-8 and control characters in a later chunk', () => {
    const check = new PlainTextCheck();
    expect(check.accepts(Buffer.from('fine'))).toBe(true);
    expect(check.accepts(Buffer.from([0xc3, 0x28]))).toBe(false);
    expect(new PlainTextCheck().accepts(Buffer.from('a\u0007b'))).toBe(false);
  });
});
