import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, Max, Min } from 'class-validator';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';

/** Owner included. */
export const MAX_GROUP_MEMBERS = 500;

/** A list of distinct user ids, `minSize` or more. */
export function IsMemberIds(minSize: number): PropertyDecorator {
  return applyDecorators(
    IsArray(),
    ArrayMinSize(minSize),
    ArrayMaxSize(MAX_GROUP_MEMBERS - 1),
    ArrayUnique(),
    IsInt({ each: true }),
    Min(1, { each: true }),
    Max(MAX_INT_ID, { each: true }),
  );
}
