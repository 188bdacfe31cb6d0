import { ValidateIf } from 'class-validator';

/** May be left out, but not sent as null (unlike @IsOptional, which lets null through). */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
