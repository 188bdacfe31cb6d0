import { Inject, Injectable } from '@nestjs/common';
import { LinkSigner } from '../common/links/link-signer';
import { APP_CONFIG, AppConfig } from '../config/app-config';

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
 */
@Injectable()
export class AttachmentLinks {
  private readonly signer: LinkSigner;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.signer = new LinkSigner(config.attachments.linkSecret, config.attachments.linkTtlSeconds);
  }

  /** The path and query of a link to the upload's file or thumbnail for `reader`. */
  link(uploadId: number, variant: FileVariant, reader: number, now = Date.now()): string {
    const expires = this.signer.expiry(now);
    const signature = this.signer.sign(subject(uploadId, variant, reader), expires);
    const path = variant === 'file' ? `${uploadId}` : `${uploadId}/thumbnail`;
    return `/api/v1/attachments/${path}?reader=${reader}&expires=${expires}&signature=${signature}`;
  }

  /** Throws 403 LINK_INVALID for a link this server did not sign, LINK_EXPIRED past its time. */
  verify(uploadId: number, variant: FileVariant, query: LinkQuery, now = Date.now()): void {
    const named = subject(uploadId, variant, query.reader);
    this.signer.verify(named, query.expires, query.signature, now);
  }

  /** Seconds a verified link has left, for Cache-Control. */
  secondsLeft(query: LinkQuery, now = Date.now()): number {
    return this.signer.secondsLeft(query.expires, now);
  }
}

function subject(uploadId: number, variant: FileVariant, reader: number): string {
  return `${variant}:${uploadId}:${reader}`;
}
