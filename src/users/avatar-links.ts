import { Inject, Injectable } from '@nestjs/common';
import { LinkSigner } from '../common/links/link-signer';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** How much of the avatar's ETag names its version in a link. */
const VERSION_LENGTH = 16;

/**
 * `displayPictureUrl`: a signed, time-limited link to a user's current avatar, so `<img src>` works
 * without an Authorization header. Avatars are shown to everyone, so a link names the avatar, not a
 * reader; each request checks that the avatar is still the one the link names.
 */
@Injectable()
export class AvatarLinks {
  private readonly signer: LinkSigner;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.signer = new LinkSigner(config.attachments.linkSecret, config.attachments.linkTtlSeconds);
  }

  link(userId: number, etag: string, now = Date.now()): string {
    const version = etag.slice(0, VERSION_LENGTH);
    const expires = this.signer.expiry(now);
    const signature = this.signer.sign(subject(userId, version), expires);
    return `/api/v1/avatars/${userId}?v=${version}&expires=${expires}&signature=${signature}`;
  }

  /** Throws 403 LINK_INVALID or LINK_EXPIRED; true when the link names this version of the avatar. */
  verify(userId: number, version: string, expires: number, signature: string): void {
    this.signer.verify(subject(userId, version), expires, signature);
  }

  isVersion(etag: string, version: string): boolean {
    return etag.slice(0, VERSION_LENGTH) === version;
  }

  secondsLeft(expires: number): number {
    return this.signer.secondsLeft(expires);
  }
}

function subject(userId: number, version: string): string {
  return `avatar:${userId}:${version}`;
}
