import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { validateSync, ValidatorOptions } from 'class-validator';
import { ValidationFailedError } from '../errors/common-error';
import { payloadShapeProblem } from './payload-shape';

/**
 * The global pipe: DTO classes are validated strictly (unknown fields rejected, each problem listed).
 * Primitive params are left as strings so explicit pipes such as ParseIdPipe see the raw text
 * ("1e3" must be refused, not read as 1000).
 */
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailedError(flattenErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && this.isDtoClass(metadata)) {
      if (!isPlainObject(value))
        throw new ValidationFailedError(['the body must be a JSON object']);
      const problem = payloadShapeProblem(value);
      if (problem) throw new ValidationFailedError([problem]);
    }
    return super.transform(value, metadata);
  }

  /** None of our rules is asynchronous; the synchronous run skips a promise per constraint. */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }

  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }

  private isDtoClass(metadata: ArgumentMetadata): boolean {
    return this.toValidate(metadata);
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function flattenErrors(errors: ValidationError[], parentPath = ''): string[] {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      parentPath ? `${parentPath}.${message}` : message,
    );
    return [...own, ...flattenErrors(error.children ?? [], path)];
  });
}
