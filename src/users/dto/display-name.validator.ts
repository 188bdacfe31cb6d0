import { TrimmedVisibleText, visibleTextSchema } from '../../common/validation/visible-text';

const MAX_DISPLAY_NAME_LENGTH = 64;

/** What IsDisplayName accepts, for the OpenAPI document; the lengths count the trimmed text. */
export const DISPLAY_NAME_SCHEMA = visibleTextSchema(1, MAX_DISPLAY_NAME_LENGTH);

export function IsDisplayName(): PropertyDecorator {
  return TrimmedVisibleText(1, MAX_DISPLAY_NAME_LENGTH);
}
