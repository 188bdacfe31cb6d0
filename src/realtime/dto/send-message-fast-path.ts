import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';
import { MAX_MESSAGE_LENGTH, UNSTORABLE_TEXT } from '../../messages/dto/message-body.validator';
import { CLIENT_MESSAGE_ID } from '../../messages/dto/send-message.dto';
import { SendMessagePayload } from './socket-payloads.dto';

const FIELDS = new Set(['chatId', 'body', 'clientMessageId']);

/**
 * The everyday `message:send` payload, read without class-transformer and class-validator, whose
 * per-message objects and closures showed up as garbage collection in the benchmark profile. It
 * accepts only payloads the full pipe accepts and yields what the pipe yields (the body trimmed);
 * anything else returns null and goes through the pipe, which words the error. A unit test holds
 * the two to each other on generated payloads.
 */
export function readEverydaySend(payload: unknown): SendMessagePayload | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const keys = Object.keys(payload);
  if (keys.length !== FIELDS.size || !keys.every((key) => FIELDS.has(key))) return null;
  const { chatId, body, clientMessageId } = payload as Record<string, unknown>;
  if (typeof chatId !== 'number' || !Number.isInteger(chatId) || chatId < 1 || chatId > MAX_INT_ID)
    return null;
  if (typeof clientMessageId !== 'string' || !CLIENT_MESSAGE_ID.test(clientMessageId)) return null;
  if (typeof body !== 'string') return null;
  const trimmed = body.trim();
  // UTF-16 length bounds the code point count from above, so the exact count is needed only when
  // it is over the limit.
  const tooLong = trimmed.length > MAX_MESSAGE_LENGTH && [...trimmed].length > MAX_MESSAGE_LENGTH;
  if (trimmed.length === 0 || tooLong || UNSTORABLE_TEXT.test(trimmed)) return null;
  return Object.assign(new SendMessagePayload(), { chatId, body: trimmed, clientMessageId });
}
