import { Injectable, PipeTransform } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '../common/errors/common-error';

/** Printable ASCII without spaces: ids an app already has (UUIDs, numbers, emails, subjects). */
const EXTERNAL_ID = /^[\x21-\x7e]{1,255}$/;

/** An app's own id of a person, from the path: 1-255 printable ASCII characters, else 400. */
@Injectable()
export class ParseExternalIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (EXTERNAL_ID.test(value)) return value;
    throw new CommonError(
      CommonErrorCode.VALIDATION_FAILED,
      'externalId must be 1 to 255 printable ASCII characters without spaces',
    );
  }
}
