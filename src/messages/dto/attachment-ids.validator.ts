import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayUnique, IsArray, IsInt, Max, Min } from 'class-validator';
import { MAX_ATTACHMENTS } from '../../attachments/attachments.service';
import { IsOptionalNotNull } from '../../common/validation/optional';

/** What a send's `attachmentIds` must be, for the OpenAPI document. */
export const ATTACHMENT_IDS_SCHEMA = {
  type: 'array' as const,
  items: { type: 'integer' as const, minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  maxItems: MAX_ATTACHMENTS,
  uniqueItems: true,
};

/** Optional: up to 10 distinct upload ids. */
export function IsAttachmentIds(): PropertyDecorator {
  return applyDecorators(
    IsOptionalNotNull(),
    IsArray(),
    ArrayMaxSize(MAX_ATTACHMENTS),
    ArrayUnique(),
    IsInt({ each: true }),
    Min(1, { each: true }),
    Max(Number.MAX_SAFE_INTEGER, { each: true }),
  );
}
