import { AppConfig } from '../config/app-config';
import { AttachmentLinks } from './attachment-links';

const links = (secret = 'k', ttlSeconds = 3600) =>
  new AttachmentLinks({
    attachments: { linkSecret: Buffer.from(secret), linkTtlSeconds: ttlSeconds },
  } as AppConfig);

/** Off a quarter-hour boundary: links made within the next 14.5 minutes expire together. */
const NOW = Date.UTC(2026, 11, 4, 12, 0, 30);

function queryOf(link: string) {
  const url = new URL(link, 'http://x');
  return {
    path: url.pathname,
    reader: Number(url.searchParams.get('reader')),
    expires: Number(url.searchParams.get('expires')),
    signature: url.searchParams.get('signature')!,
  };
}

interface Change {
  id?: number;
  variant?: 'thumbnail';
  reader?: number;
  expires?: number;
}

describe('AttachmentLinks', () => {
  it('signs a link for one reader that verifies until it expires', () => {
    const { path, ...query } = queryOf(links().link(7, 'file', 3, NOW));
    expect(path).toBe('/api/v1/attachments/7');
    expect(query.expires * 1000 - NOW).toBeGreaterThanOrEqual(3600_000);
    expect(query.expires * 1000 - NOW).toBeLessThanOrEqual(4500_000);
    expect(() => links().verify(7, 'file', query, NOW)).not.toThrow();
    expect(() => links().verify(7, 'file', query, query.expires * 1000)).toThrow(
      expect.objectContaining({ code: 'LINK_EXPIRED', status: 403 }),
    );
  });

  it('gives the same link for a quarter of the lifetime, so browsers can cache it', () => {
    const first = links().link(7, 'thumbnail', 3, NOW);
    expect(first).toMatch(/^\/api\/v1\/attachments\/7\/thumbnail\?/);
    expect(links().link(7, 'thumbnail', 3, NOW + 60_000)).toBe(first);
    expect(links().link(7, 'thumbnail', 3, NOW + 901_000)).not.toBe(first);
  });

  it.each([
    ['another file', { id: 8 }],
    ['the thumbnail instead', { variant: 'thumbnail' as const }],
    ['another reader', { reader: 4 }],
    ['a later expiry', { expires: 1 }],
  ])('refuses the link changed to name %s', (_label, change: Change) => {
    const query = queryOf(links().link(7, 'file', 3, NOW));
    const changed = {
      reader: change.reader ?? query.reader,
      expires: query.expires + (change.expires ?? 0),
      signature: query.signature,
    };
    expect(() => links().verify(change.id ?? 7, change.variant ?? 'file', changed, NOW)).toThrow(
      expect.objectContaining({ code: 'LINK_INVALID', status: 403 }),
    );
  });

  it('refuses a link signed with another key', () => {
    const query = queryOf(links('other').link(7, 'file', 3, NOW));
    expect(() => links().verify(7, 'file', query, NOW)).toThrow(
      expect.objectContaining({ code: 'LINK_INVALID' }),
    );
  });
});
