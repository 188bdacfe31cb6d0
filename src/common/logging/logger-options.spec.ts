import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACTED_PATHS } from './logger-options';

describe('log redaction', () => {
  it('blanks out credentials wherever they are logged', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info({
      req: { headers: { authorization: 'Bearer eyJhbGciOi.secret', cookie: 'sid=1' } },
      body: {
        password: 'hunter2-hunter2',
        refreshToken: 'refresh-secret',
        accessToken: 'access-secret',
      },
      user: { passwordHash: '$argon2id$v=19$secret' },
    });
    const output = lines.join('');
    for (const secret of [
      'eyJhbGciOi',
      'sid=1',
      'hunter2',
      'refresh-secret',
      'access-secret',
      'argon2id',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
  });
});
