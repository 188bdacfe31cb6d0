import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['/api/v1/users/me?access_token=eyJ.a.b', '/api/v1/users/me?access_token=[redacted]'],
    [
      '/socket.io/?EIO=4&transport=polling&token=eyJ.a.b&t=PZ1',
      '/socket.io/?EIO=4&transport=polling&token=[redacted]&t=PZ1',
    ],
    [
      '/x?refresh_token=r&refreshToken=r&password=p&client_secret=s&api-key=k&X-Amz-Signature=s',
      '/x?refresh_token=[redacted]&refreshToken=[redacted]&password=[redacted]' +
        '&client_secret=[redacted]&api-key=[redacted]&X-Amz-Signature=[redacted]',
    ],
    ['/x?TOKEN=a&Access_Token=b', '/x?TOKEN=[redacted]&Access_Token=[redacted]'],
    ['/x?%74oken=a', '/x?%74oken=[redacted]'],
    ['/x?token=a=b&token=c', '/x?token=[redacted]&token=[redacted]'],
    ['/x?key=k&code=c&sig=s', '/x?key=[redacted]&code=[redacted]&sig=[redacted]'],
  ])('blanks the credentials in %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it.each([
    '/api/v1/users?q=shiv&limit=20&cursor=eyJpZCI6MX0',
    '/api/v1/chats/1/messages?after=10',
    '/api/v1/users/me',
    '/x?token',
    '/x?&&=&%zz=1',
    '/x?',
  ])('leaves %s as it is', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});
