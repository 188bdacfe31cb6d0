import { applyDecorators } from '@nestjs/common';
import { IsString, Length, Matches } from 'class-validator';

export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;

export function IsUsername(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(3, 32),
    Matches(USERNAME_PATTERN, {
      message: '$property may contain only letters, digits, underscores, dots and hyphens',
    }),
  );
}
