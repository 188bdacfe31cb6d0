import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailedError } from '../errors/common-error';

/** Largest id of an `integer` identity column. */
export const MAX_INT_ID = 2_147_483_647;

/** Accepts only a plain positive decimal integer in range: not "1e3", "0x10", "-1" or "007". */
@Injectable()
export class ParseIdPipe implements PipeTransform<unknown, number> {
  protected readonly max: number = MAX_INT_ID;

  transform(value: unknown, metadata: ArgumentMetadata): number {
    const id = typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : NaN;
    if (id <= this.max) return id;
    throw new ValidationFailedError([
      `${metadata.data ?? 'id'} must be a positive integer no greater than ${this.max}`,
    ]);
  }
}

/** Message ids are bigint; they stay within JavaScript's exact integers. */
@Injectable()
export class ParseBigIdPipe extends ParseIdPipe {
  protected override readonly max = Number.MAX_SAFE_INTEGER;
}
