import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';
import { CodePointLength } from '../../common/validation/code-point-length';
import { CONTROL_CHARACTERS, trimmedTextPattern } from '../../common/validation/text-pattern';

export const MAX_GROUP_NAME_LENGTH = 100;

/** What IsGroupName accepts, for the OpenAPI document; the lengths count the trimmed text. */
export const GROUP_NAME_SCHEMA = {
  minLength: 1,
  maxLength: MAX_GROUP_NAME_LENGTH,
  pattern: trimmedTextPattern(CONTROL_CHARACTERS),
};

/** 1-100 characters after trimming, no control characters. */
export function IsGroupName(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim() : value,
    ),
    IsString(),
    CodePointLength(1, MAX_GROUP_NAME_LENGTH),
    Matches(/^[^\p{Cc}\p{Cs}]*$/u, { message: '$property must not contain control characters' }),
  );
}
