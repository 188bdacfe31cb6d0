import { Transform } from 'class-transformer';

/** Query-string integers: only plain decimal digits become numbers; anything else fails @IsInt. */
export function ToInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value,
  );
}
