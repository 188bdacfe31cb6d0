import { TrimmedVisibleText, visibleTextSchema } from '../../common/validation/visible-text';

export const MAX_GROUP_NAME_LENGTH = 100;

/** What IsGroupName accepts, for the OpenAPI document; the lengths count the trimmed text. */
export const GROUP_NAME_SCHEMA = visibleTextSchema(1, MAX_GROUP_NAME_LENGTH);

export function IsGroupName(): PropertyDecorator {
  return TrimmedVisibleText(1, MAX_GROUP_NAME_LENGTH);
}
