import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum AttachmentsErrorCode {
  UPLOAD_EMPTY = 'UPLOAD_EMPTY',
  UPLOAD_TOO_LARGE = 'UPLOAD_TOO_LARGE',
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  UNSUPPORTED_TYPE = 'UNSUPPORTED_TYPE',
  TYPE_MISMATCH = 'TYPE_MISMATCH',
  INVALID_IMAGE = 'INVALID_IMAGE',
  TOO_MANY_PIXELS = 'TOO_MANY_PIXELS',
  ATTACHMENT_UNAVAILABLE = 'ATTACHMENT_UNAVAILABLE',
  ATTACHMENT_NOT_FOUND = 'ATTACHMENT_NOT_FOUND',
}

const STATUS: Record<AttachmentsErrorCode, HttpStatus> = {
  [AttachmentsErrorCode.UPLOAD_EMPTY]: HttpStatus.BAD_REQUEST,
  [AttachmentsErrorCode.UPLOAD_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [AttachmentsErrorCode.QUOTA_EXCEEDED]: HttpStatus.PAYLOAD_TOO_LARGE,
  [AttachmentsErrorCode.UNSUPPORTED_TYPE]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [AttachmentsErrorCode.TYPE_MISMATCH]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [AttachmentsErrorCode.INVALID_IMAGE]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [AttachmentsErrorCode.TOO_MANY_PIXELS]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [AttachmentsErrorCode.ATTACHMENT_UNAVAILABLE]: HttpStatus.CONFLICT,
  [AttachmentsErrorCode.ATTACHMENT_NOT_FOUND]: HttpStatus.NOT_FOUND,
};

export class AttachmentsError extends DomainError {
  constructor(code: AttachmentsErrorCode, message: string) {
    super(code, message, STATUS[code]);
  }

  static unavailable(): AttachmentsError {
    return new AttachmentsError(
      AttachmentsErrorCode.ATTACHMENT_UNAVAILABLE,
      'attachmentIds must name at most 10 of your uploads that are not attached yet and have not expired',
    );
  }

  static notFound(): AttachmentsError {
    return new AttachmentsError(AttachmentsErrorCode.ATTACHMENT_NOT_FOUND, 'Attachment not found');
  }
}
