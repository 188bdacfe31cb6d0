import { HttpStatus } from '@nestjs/common';
import { DomainError } from './domain-error';

export enum CommonErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  INVALID_CURSOR = 'INVALID_CURSOR',
  RATE_LIMITED = 'RATE_LIMITED',
}

const STATUS: Record<CommonErrorCode, HttpStatus> = {
  [CommonErrorCode.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [CommonErrorCode.INVALID_CURSOR]: HttpStatus.BAD_REQUEST,
  [CommonErrorCode.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
};

export class CommonError extends DomainError {
  constructor(code: CommonErrorCode, message: string) {
    super(code, message, STATUS[code]);
  }
}

export class ValidationFailedError extends CommonError {
  constructor(readonly messages: string[]) {
    super(CommonErrorCode.VALIDATION_FAILED, messages.join('; '));
  }
}

export class RateLimitedError extends CommonError {
  constructor(readonly retryAfterSeconds: number) {
    super(CommonErrorCode.RATE_LIMITED, `Too many requests; retry after ${retryAfterSeconds} s`);
  }
}
