import { applyDecorators } from '@nestjs/common';
import { IsString, Length, Matches } from 'class-validator';

export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;

/** What IsUsername accepts, for the OpenAPI document. */
export const USERNAME_SCHEMA = { minLength: 3, maxLength: 32, pattern: USERNAME_PATTERN.source };

export function IsUsername(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(USERNAME_SCHEMA.minLength, USERNAME_SCHEMA.maxLength),
    Matches(USERNAME_PATTERN, {
      message: '$property may contain only letters, digits, underscores, dots and hyphens',
    }),
  );
}
