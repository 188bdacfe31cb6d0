import { contentDisposition, MAX_NAME_LENGTH, uploadName } from './upload-name';

describe('uploadName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['C:\\Users\\me\\Desktop\\report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['evil\u202egpj.exe', 'evilgpj.exe'],
    ['tab\there  and\nnewline.txt', 'tab here and newline.txt'],
    ['"quoted".txt', 'quoted.txt'],
    ['e\u0301te\u0301.txt', 'été.txt'],
    ['', 'file'],
    [undefined, 'file'],
    ['\u0000\u0001', 'file'],
  ])('%j → %j', (given, expected) => {
    expect(uploadName(given)).toBe(expected);
  });

  it('keeps at most 255 characters, the extension included', () => {
    const name = uploadName(`${'🙂'.repeat(300)}.jpeg`);
    expect([...name]).toHaveLength(MAX_NAME_LENGTH);
    expect(name.endsWith('🙂.jpeg')).toBe(true);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact name (RFC 6266)', () => {
    expect(contentDisposition('attachment', 'naïve 100%.pdf')).toBe(
      `attachment; filename="na_ve 100_.pdf"; filename*=UTF-8''na%C3%AFve%20100%25.pdf`,
    );
    expect(contentDisposition('inline', "it's (1).png")).toBe(
      `inline; filename="it's (1).png"; filename*=UTF-8''it%27s%20%281%29.png`,
    );
  });
});
