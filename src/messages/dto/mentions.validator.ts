import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsInt, Max, Min } from 'class-validator';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';
import { IsOptionalNotNull } from '../../common/validation/optional';

export const MAX_MENTIONS = 50;

/** What a message's `mentions` must be, for the OpenAPI document. */
export const MENTIONS_SCHEMA = {
  type: 'array' as const,
  items: { type: 'integer' as const, minimum: 1, maximum: MAX_INT_ID },
  maxItems: MAX_MENTIONS,
  uniqueItems: true,
};

/** Optional: up to 50 distinct user ids (the service checks they are participants). */
export function IsMentions(): PropertyDecorator {
  return applyDecorators(
    IsOptionalNotNull(),
    IsArray(),
    ArrayMaxSize(MAX_MENTIONS),
    ArrayUnique(),
    IsInt({ each: true }),
    Min(1, { each: true }),
    Max(MAX_INT_ID, { each: true }),
  );
}

/** The `mentions` field of a send or an edit, documented and validated. */
export function MentionsProperty(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ ...MENTIONS_SCHEMA, example: [2], description }),
    IsMentions(),
  );
}
