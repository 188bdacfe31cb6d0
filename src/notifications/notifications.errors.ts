import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';

export enum NotificationsErrorCode {
  WEBHOOK_NOT_FOUND = 'WEBHOOK_NOT_FOUND',
  DELIVERY_NOT_FOUND = 'DELIVERY_NOT_FOUND',
  WEBHOOK_URL_FORBIDDEN = 'WEBHOOK_URL_FORBIDDEN',
  WEBHOOK_DISABLED = 'WEBHOOK_DISABLED',
  DELIVERY_PENDING = 'DELIVERY_PENDING',
  PUSH_DISABLED = 'PUSH_DISABLED',
  PUSH_ENDPOINT_FORBIDDEN = 'PUSH_ENDPOINT_FORBIDDEN',
  PUSH_SUBSCRIPTION_LIMIT = 'PUSH_SUBSCRIPTION_LIMIT',
}

const STATUS: Record<NotificationsErrorCode, HttpStatus> = {
  [NotificationsErrorCode.WEBHOOK_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [NotificationsErrorCode.DELIVERY_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [NotificationsErrorCode.WEBHOOK_URL_FORBIDDEN]: HttpStatus.BAD_REQUEST,
  [NotificationsErrorCode.WEBHOOK_DISABLED]: HttpStatus.CONFLICT,
  [NotificationsErrorCode.DELIVERY_PENDING]: HttpStatus.CONFLICT,
  [NotificationsErrorCode.PUSH_DISABLED]: HttpStatus.NOT_FOUND,
  [NotificationsErrorCode.PUSH_ENDPOINT_FORBIDDEN]: HttpStatus.BAD_REQUEST,
  [NotificationsErrorCode.PUSH_SUBSCRIPTION_LIMIT]: HttpStatus.CONFLICT,
};

export class NotificationsError extends DomainError {
  constructor(code: NotificationsErrorCode, message: string) {
    super(code, message, STATUS[code]);
  }

  static webhookNotFound(): NotificationsError {
    return new NotificationsError(
      NotificationsErrorCode.WEBHOOK_NOT_FOUND,
      'Webhook endpoint not found',
    );
  }

  static pushDisabled(): NotificationsError {
    return new NotificationsError(
      NotificationsErrorCode.PUSH_DISABLED,
      'Web Push is off on this server (no VAPID keys)',
    );
  }
}
