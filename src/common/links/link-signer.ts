import { createHmac, timingSafeEqual } from 'node:crypto';
import { LinkError } from './link-error';

/**
 * Signs time-limited links: an HMAC of what the link names and when it stops working. A link's
 * expiry is rounded up to a quarter of the lifetime, so the same thing gets the same link for a
 * while and browsers can cache what it names.
 */
export class LinkSigner {
  constructor(
    private readonly secret: Buffer,
    readonly ttlSeconds: number,
  ) {}

  /** Unix seconds at which a link made now stops working. */
  expiry(now = Date.now()): number {
    const step = Math.max(1, Math.floor(this.ttlSeconds / 4));
    return Math.ceil((Math.floor(now / 1000) + this.ttlSeconds) / step) * step;
  }

  /** The signature of a link naming `subject` until `expires`, base64url (43 characters). */
  sign(subject: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${subject}:${expires}`).digest('base64url');
  }

  /** Throws 403 LINK_INVALID for a link this server did not sign, LINK_EXPIRED past its time. */
  verify(subject: string, expires: number, signature: string, now = Date.now()): void {
    const expected = Buffer.from(this.sign(subject, expires));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw LinkError.invalid();
    }
    if (expires * 1000 <= now) throw LinkError.expired();
  }

  /** Seconds a link has left, for Cache-Control. */
  secondsLeft(expires: number, now = Date.now()): number {
    return Math.max(0, expires - Math.floor(now / 1000));
  }
}
