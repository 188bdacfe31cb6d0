import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AttachmentsError, AttachmentsErrorCode } from './attachments.errors';

export type FileVariant = 'file' | 'thumbnail';

/** What a signed link's query carries besides the file it names. */
export interface LinkQuery {
  reader: number;
  expires: number;
  signature: string;
}

/**
 * Signed, time-limited links to attached files, for one reader: they need no Authorization header
 * (an `<img src>` works), and each request still checks that this reader may see the file now.
 * A link's expiry is rounded up to a quarter of the lifetime, so the same reader gets the same
 * link for a while and browsers can cache what it names.
 */
@Injectable()
export class AttachmentLinks {
  private readonly secret: Buffer;
  private readonly ttlSeconds: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.secret = config.attachments.linkSecret;
    this.ttlSeconds = config.attachments.linkTtlSeconds;
  }

  /** The path and query of a link to the upload's file or thumbnail for `reader`. */
  link(uploadId: number, variant: FileVariant, reader: number, now = Date.now()): string {
    const step = Math.max(1, Math.floor(this.ttlSeconds / 4));
    const expires = Math.ceil((Math.floor(now / 1000) + this.ttlSeconds) / step) * step;
    const signature = this.sign(uploadId, variant, reader, expires);
    const path = variant === 'file' ? `${uploadId}` : `${uploadId}/thumbnail`;
    return `/api/v1/attachments/${path}?reader=${reader}&expires=${expires}&signature=${signature}`;
  }

  /** Throws 403 LINK_INVALID for a link this server did not sign, LINK_EXPIRED past its time. */
  verify(uploadId: number, variant: FileVariant, query: LinkQuery, now = Date.now()): void {
    const expected = Buffer.from(this.sign(uploadId, variant, query.reader, query.expires));
    const given = Buffer.from(query.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AttachmentsError(
        AttachmentsErrorCode.LINK_INVALID,
        'This link was not signed by this server, or was changed',
      );
    }
    if (query.expires * 1000 <= now) {
      throw new AttachmentsError(
        AttachmentsErrorCode.LINK_EXPIRED,
        'This link has expired: fetch the message again for a fresh one',
      );
    }
  }

  /** Seconds a verified link has left, for Cache-Control. */
  secondsLeft(query: LinkQuery, now = Date.now()): number {
    return Math.max(0, query.expires - Math.floor(now / 1000));
  }

  private sign(uploadId: number, variant: FileVariant, reader: number, expires: number): string {
    return createHmac('sha256', this.secret)
      .update(`${variant}:${uploadId}:${reader}:${expires}`)
      .digest('base64url');
  }
}
