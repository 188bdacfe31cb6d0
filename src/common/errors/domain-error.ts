import { HttpStatus } from '@nestjs/common';

/**
 * Base of every error the app raises on purpose. Each module declares its codes and maps each one
 * to an HTTP status in an exhaustive record, so an unmapped code does not compile.
 */
export abstract class DomainError extends Error {
  protected constructor(
    readonly code: string,
    message: string,
    readonly status: HttpStatus,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
