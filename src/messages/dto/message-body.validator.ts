import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, ValidateBy } from 'class-validator';
import { CodePointLength } from '../../common/validation/code-point-length';
import { trimmedTextPattern, UNSTORABLE_CHARACTERS } from '../../common/validation/text-pattern';

export const MAX_MESSAGE_LENGTH = 4000;

/** What IsMessageBody accepts, for the OpenAPI document; the lengths count the trimmed text. */
export const MESSAGE_BODY_SCHEMA = {
  minLength: 1,
  maxLength: MAX_MESSAGE_LENGTH,
  pattern: trimmedTextPattern(UNSTORABLE_CHARACTERS),
};

/** Unicode-mode: a lone surrogate is one that is not half of a pair. */
export const UNSTORABLE_TEXT = /[\0\p{Cs}]/u;

/**
 * 1-4000 characters after trimming; no NUL and no lone surrogate, which PostgreSQL cannot store.
 * A send's body may be empty when it carries files (`emptyWithAttachments`).
 */
export function IsMessageBody(options: { emptyWithAttachments?: boolean } = {}): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim() : value,
    ),
    IsString(),
    CodePointLength(options.emptyWithAttachments ? 0 : 1, MAX_MESSAGE_LENGTH),
    ...(options.emptyWithAttachments ? [EmptyOnlyWithAttachments()] : []),
    IsStorableText(),
  );
}

/** No NUL and no lone surrogate: text PostgreSQL can store. */
export function IsStorableText(): PropertyDecorator {
  return ValidateBy({
    name: 'storableText',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !UNSTORABLE_TEXT.test(value),
      defaultMessage: () =>
        '$property must not contain NUL characters or unpaired surrogates (ill-formed UTF-16)',
    },
  });
}

function EmptyOnlyWithAttachments(): PropertyDecorator {
  return ValidateBy({
    name: 'emptyOnlyWithAttachments',
    validator: {
      validate: (value: unknown, args) => {
        if (value !== '') return true;
        const ids = (args?.object as { attachmentIds?: unknown }).attachmentIds;
        return Array.isArray(ids) && ids.length > 0;
      },
      defaultMessage: () => '$property must not be empty unless attachmentIds are given',
    },
  });
}
