import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, ValidateBy } from 'class-validator';
import { CodePointLength } from '../../common/validation/code-point-length';

export const MAX_MESSAGE_LENGTH = 4000;

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
