import { ValidateBy } from 'class-validator';

/**
 * Length in Unicode code points, as PostgreSQL's char_length and varchar(n) count. class-validator's
 * Length counts differently (a variation selector is free there), which let "too long" text through.
 */
export function CodePointLength(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'codePointLength',
    constraints: [min, max],
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const length = [...value].length;
        return length >= min && length <= max;
      },
      defaultMessage: (args) =>
        typeof args?.value === 'string' && [...args.value].length < min
          ? `$property must be longer than or equal to ${min} characters`
          : `$property must be shorter than or equal to ${max} characters`,
    },
  });
}
