import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, ValidateBy } from 'class-validator';
import { CodePointLength } from './code-point-length';

/**
 * Pieces of the rule (ECMA-262, Unicode mode), shared by the validator and the documented
 * pattern so the two cannot drift apart.
 */
const BIDI_CONTROLS = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';

/** Hangul fillers: letters that draw nothing, the usual way to an "empty" name. */
const FILLERS = '\\u115F\\u1160\\u3164\\uFFA0';

/**
 * Never allowed inside a name: control characters, line and paragraph separators, unpaired
 * surrogates, every format character (bidi controls, zero-width characters, soft hyphen, tags) and
 * the fillers, as a character-class body.
 */
const FORBIDDEN_CLASS = `\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}${FILLERS}`;

/**
 * Invisible marks, forbidden as well: the combining grapheme joiner and the Khmer inherent vowels.
 * Marks stay out of character classes, where they would read as combining with a neighbour.
 */
const INVISIBLE_MARKS = '\\u034F|\\u17B4|\\u17B5';

/** Drawn as nothing or as blank space: such characters may be in a name, not all of it. */
const BLANK_CLASS = '\\s\\u2800\\p{M}';

/**
 * The two format characters emoji need: a zero-width joiner between two emoji (👩‍💻, 🏳️‍🌈, 👨🏽‍🦰),
 * and the tag letters of a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿) up to their cancel tag.
 */
const EMOJI_ZWJ =
  '(?<=\\p{Extended_Pictographic}(?:\\uFE0F|\\p{Emoji_Modifier})?)\\u200D(?=\\p{Extended_Pictographic})';
const FLAG_TAGS = '[\\u{E0030}-\\u{E0039}\\u{E0061}-\\u{E007A}]+\\u{E007F}';

/** One character that may stand in a name, wherever it stands. */
const ALLOWED = `(?!${INVISIBLE_MARKS})[^${FORBIDDEN_CLASS}]`;
/** One character that shows: what a name may not do without. */
const VISIBLE_CHAR = `[^${BLANK_CLASS}${FORBIDDEN_CLASS}]`;

const EMOJI_FORMAT = new RegExp(`${EMOJI_ZWJ}|(?<=\\u{1F3F4})${FLAG_TAGS}`, 'gu');
const UNPAIRED_SURROGATE = /\p{Cs}/u;
const CONTROL = /\p{Cc}/u;
const LINE_BREAK = /[\p{Zl}\p{Zp}]/u;
const BIDI = new RegExp(`[${BIDI_CONTROLS}]`, 'u');
const INVISIBLE = new RegExp(`[${FORBIDDEN_CLASS}]|${INVISIBLE_MARKS}`, 'u');
const VISIBLE = new RegExp(VISIBLE_CHAR, 'u');

/**
 * What is wrong with trimmed text a person reads as a name or a note, or null when nothing is:
 * no control, bidirectional or invisible characters, and something visible. Empty text is left to
 * the length rules.
 */
export function visibleTextProblem(text: string): string | null {
  if (text === '') return null;
  const rest = text.replace(EMOJI_FORMAT, '');
  if (UNPAIRED_SURROGATE.test(rest)) {
    return 'must not contain unpaired surrogates (ill-formed UTF-16)';
  }
  if (CONTROL.test(rest)) return 'must not contain control characters';
  if (LINE_BREAK.test(rest)) return 'must not contain line or paragraph separators';
  const bidi = BIDI.exec(rest);
  if (bidi) {
    return `must not contain bidirectional control characters, which reorder the text around them (found ${codePoint(bidi[0])})`;
  }
  const invisible = INVISIBLE.exec(rest);
  if (invisible) {
    const hint = invisible[0] === '\u200D' ? '; a zero-width joiner may only join two emoji' : '';
    return `must not contain invisible characters (found ${codePoint(invisible[0])}${hint})`;
  }
  if (!VISIBLE.test(rest)) return 'must contain at least one visible character';
  return null;
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The documented pattern of what TrimmedVisibleText accepts, as a JSON Schema validator reads the
 * untrimmed value: blanks at the ends, then allowed units with at least one visible character.
 * With `minLength` 0, blank text (which trims to nothing) is accepted too.
 */
export function visibleTextSchema(minLength: number, maxLength: number) {
  const unit = `(?:\\u{1F3F4}${FLAG_TAGS}|${EMOJI_ZWJ}|${ALLOWED})`;
  const visible = `^\\s*${unit}*?${VISIBLE_CHAR}${unit}*?\\s*$`;
  return {
    minLength,
    maxLength,
    pattern: minLength === 0 ? `^\\s*$|${visible}` : visible,
    description:
      'Trimmed; no control, bidirectional or invisible characters (a zero-width joiner only ' +
      'between two emoji), and at least one visible character',
  };
}

/**
 * Text people read as a name or a note (display names, group names, friend-request messages):
 * trimmed, `min`-`max` code points, and nothing in it hides or reorders what others see.
 * Message bodies are not held to this: a joiner or a direction mark can be part of what is said.
 */
export function TrimmedVisibleText(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim() : value,
    ),
    IsString(),
    CodePointLength(min, max),
    ValidateBy({
      name: 'visibleText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !visibleTextProblem(value),
        defaultMessage: (args) => `$property ${visibleTextProblem(String(args?.value))}`,
      },
    }),
  );
}
