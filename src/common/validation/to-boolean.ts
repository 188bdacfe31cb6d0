import { Transform } from 'class-transformer';

/** Query-string booleans: exactly `true` or `false` become booleans; anything else fails @IsBoolean. */
export function ToBoolean(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  );
}
