import { applyDecorators } from '@nestjs/common';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';

export function IsChatId(): PropertyDecorator {
  return applyDecorators(IsInt(), Min(1), Max(MAX_INT_ID));
}

export function IsMessageId(min = 1): PropertyDecorator {
  return applyDecorators(IsInt(), Min(min), Max(Number.MAX_SAFE_INTEGER));
}
