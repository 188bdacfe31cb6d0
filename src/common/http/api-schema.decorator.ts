import { ApiParam, ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { MAX_INT_ID } from '../validation/parse-id.pipe';

/** Ids of `integer` identity columns (users, chats, friend requests), as ParseIdPipe takes them. */
const ID_SCHEMA = { type: 'integer', minimum: 1, maximum: MAX_INT_ID } as const;

/** Message ids: bigint, within JavaScript's exact integers, as ParseBigIdPipe takes them. */
const BIG_ID_SCHEMA = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

/** A user, chat or friend-request id in a body, a query or an answer. */
export function ApiIdProperty(options: ApiPropertyOptions = {}): PropertyDecorator {
  return ApiProperty({ ...ID_SCHEMA, ...options });
}

/** A list of user, chat or friend-request ids. */
export function ApiIdListProperty(options: ApiPropertyOptions = {}): PropertyDecorator {
  return ApiProperty({ type: 'array', items: { ...ID_SCHEMA }, ...options });
}

/** A message id in a body, a query or an answer. */
export function ApiBigIdProperty(options: ApiPropertyOptions = {}): PropertyDecorator {
  return ApiProperty({ ...BIG_ID_SCHEMA, ...options });
}

/** A path parameter read with ParseIdPipe; on a controller it covers each of its routes. */
export function ApiIdParam(name: string): MethodDecorator & ClassDecorator {
  return ApiParam({ name, schema: { ...ID_SCHEMA } });
}

/** A path parameter read with ParseBigIdPipe. */
export function ApiBigIdParam(name: string): MethodDecorator & ClassDecorator {
  return ApiParam({ name, schema: { ...BIG_ID_SCHEMA } });
}

/** An instant as the mappers write it, `Date.toISOString()`; pass `nullable: true` where null. */
export function ApiTimestampProperty(options: ApiPropertyOptions = {}): PropertyDecorator {
  return ApiProperty({
    type: String,
    format: 'date-time',
    example: options.nullable ? null : '2022-11-15T12:00:00.000Z',
    ...options,
  });
}
