import { Injectable, PipeTransform } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '../common/errors/common-error';
import { isExternalId } from '../users/external-id';

/** An app's own id of a person, from the path: 1-255 printable ASCII characters, else 400. */
@Injectable()
export class ParseExternalIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (isExternalId(value)) return value;
    throw new CommonError(
      CommonErrorCode.VALIDATION_FAILED,
      'externalId must be 1 to 255 printable ASCII characters without spaces',
    );
  }
}
