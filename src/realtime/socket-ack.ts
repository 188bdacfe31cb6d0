import { Logger } from '@nestjs/common';
import { describeError } from '../common/errors/describe-error';
import { Ack } from './socket-events';

/** The socket twin of the HTTP exception filter: same codes and messages, as an `ok: false` ack. */
export function failure(error: unknown, logger: Logger, context: string): Ack {
  const { body, unexpected } = describeError(error);
  if (unexpected) logger.error({ err: error, event: context }, 'Unhandled error in a socket event');
  const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  return { ok: false, error: { code: body.code, message } };
}
