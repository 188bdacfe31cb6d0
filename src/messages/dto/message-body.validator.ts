import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, ValidateBy } from 'class-validator';
import { CodePointLength } from '../../common/validation/code-point-length';
import { NUL_CHARACTER, trimmedTextPattern } from '../../common/validation/text-pattern';

export const MAX_MESSAGE_LENGTH = 4000;

/** What IsMessageBody accepts, for the OpenAPI document; the lengths count the trimmed text. */
export const MESSAGE_BODY_SCHEMA = {
  minLength: 1,
  maxLength: MAX_MESSAGE_LENGTH,
  pattern: trimmedTextPattern(NUL_CHARACTER),
};

/** 1-4000 characters after trimming; no NUL, which PostgreSQL text cannot hold. */
export function IsMessageBody(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim() : value,
    ),
    IsString(),
    CodePointLength(1, MAX_MESSAGE_LENGTH),
    ValidateBy({
      name: 'noNulCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !value.includes('\0'),
        defaultMessage: () => '$property must not contain NUL characters',
      },
    }),
  );
}
