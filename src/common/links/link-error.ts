import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

export enum LinkErrorCode {
  LINK_INVALID = 'LINK_INVALID',
  LINK_EXPIRED = 'LINK_EXPIRED',
}

/** A signed link refused before anything it names is looked at. */
export class LinkError extends DomainError {
  private constructor(code: LinkErrorCode, message: string) {
    super(code, message, HttpStatus.FORBIDDEN);
  }

  static invalid(): LinkError {
    return new LinkError(
      LinkErrorCode.LINK_INVALID,
      'This link was not signed by this server, or was changed',
    );
  }

  static expired(): LinkError {
    return new LinkError(
      LinkErrorCode.LINK_EXPIRED,
      'This link has expired: fetch what carried it again for a fresh one',
    );
  }
}
