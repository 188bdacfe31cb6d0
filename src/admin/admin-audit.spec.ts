import { auditedBody } from './admin-audit';

describe('auditedBody', () => {
  it('keeps what was asked for and redacts secrets at any depth', () => {
    expect(
      auditedBody({
        url: 'https://example.com/hook',
        secret: 'whsec_abc',
        nested: { apiToken: 't', list: [{ password: 'p', name: 'n' }] },
      }),
    ).toEqual({
      url: 'https://example.com/hook',
      secret: '[redacted]',
      nested: { apiToken: '[redacted]', list: [{ password: '[redacted]', name: 'n' }] },
    });
  });

  it('records only the size of a large body', () => {
    const body = { reason: 'x'.repeat(5000) };
    expect(auditedBody(body)).toEqual({ omittedBytes: JSON.stringify(body).length });
  });

  it('records nothing without a JSON object or array', () => {
    expect(auditedBody(undefined)).toBeNull();
    expect(auditedBody(null)).toBeNull();
    expect(auditedBody('text')).toBeNull();
    expect(auditedBody([1, 2])).toEqual([1, 2]);
  });
});
