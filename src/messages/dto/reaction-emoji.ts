import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors/common-error';

export const SHORTCODE = /^[a-z0-9_+-]{1,32}$/;

/** Longer than any emoji Unicode recommends (a family with skin tones is 10 code points). */
const MAX_EMOJI_CODE_POINTS = 16;

const EMOJI_PART = /^[\p{Emoji}\p{Emoji_Component}]$/u;
const PICTURE = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]/u;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The reaction emoji in the OpenAPI document: the path holds it URL-encoded. */
export const EMOJI_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 32,
  description:
    'One emoji (stored NFC, without U+FE0F: send either form) or a shortcode `[a-z0-9_+-]{1,32}`',
} as const;

/**
 * The stored form of a reaction: a shortcode as it is, or one emoji grapheme in NFC without the
 * emoji variation selector U+FE0F (so "❤️" and "❤" are one reaction); null when it is neither.
 * An emoji is made of emoji code points and components only (ZWJ, skin tones, keycaps, tags) and
 * has a picture in it, so digits, letters and combining marks alone are refused.
 */
export function toReactionEmoji(text: string): string | null {
  if (SHORTCODE.test(text)) return text;
  const emoji = text.normalize('NFC').replaceAll('\ufe0f', '');
  const codePoints = [...emoji];
  if (codePoints.length === 0 || codePoints.length > MAX_EMOJI_CODE_POINTS) return null;
  if (!codePoints.every((c) => EMOJI_PART.test(c)) || !PICTURE.test(emoji)) return null;
  const [first, second] = graphemes.segment(emoji);
  return first !== undefined && second === undefined ? emoji : null;
}

/** A reaction emoji from the path, in its stored form; 400 otherwise. */
@Injectable()
export class ParseReactionEmojiPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    const emoji = typeof value === 'string' ? toReactionEmoji(value) : null;
    if (emoji !== null) return emoji;
    throw new ValidationFailedError([
      `${metadata.data ?? 'emoji'} must be one emoji or a shortcode of 1-32 characters a-z 0-9 _ + -`,
    ]);
  }
}
