import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { TrimmedVisibleText, visibleTextProblem, visibleTextSchema } from './visible-text';

class Name {
  @TrimmedVisibleText(1, 16)
  value!: string;
}

class Note {
  @TrimmedVisibleText(0, 16)
  value!: string;
}

function serverMessages(type: new () => object, value: unknown): string[] {
  return validateSync(plainToInstance(type, { value })).flatMap((error) =>
    Object.values(error.constraints ?? {}),
  );
}

/** As a JSON Schema validator (ajv, Unicode mode) reads the documented schema. */
function documentAccepts(schema: ReturnType<typeof visibleTextSchema>, value: string): boolean {
  const length = [...value].length;
  return (
    length >= schema.minLength &&
    length <= schema.maxLength &&
    new RegExp(schema.pattern, 'u').test(value)
  );
}

const SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';

describe('visibleTextProblem', () => {
  it.each([
    'Shivam K.',
    'naïve café',
    'e\u0301te',
    'Ζωή',
    'محمد',
    '김민준',
    '葛\u{E0100}飾',
    'braille \u2800 inside',
    'emoji 👍🏽',
    '❤️',
    '1️⃣',
    '🇫🇷',
    '👩\u200D💻 coder',
    '🏳\uFE0F\u200D🌈',
    '👨🏽\u200D🦰',
    '🧑\u200D🤝\u200D🧑',
    '🏴\u200D☠\uFE0F',
    `${SCOTLAND} fan`,
    '',
  ])('accepts %p', (text) => {
    expect(visibleTextProblem(text)).toBeNull();
  });

  it.each([
    ['\u202E', 'U+202E'],
    ['\u202A', 'U+202A'],
    ['\u202B', 'U+202B'],
    ['\u202C', 'U+202C'],
    ['\u202D', 'U+202D'],
    ['\u2066', 'U+2066'],
    ['\u2067', 'U+2067'],
    ['\u2068', 'U+2068'],
    ['\u2069', 'U+2069'],
    ['\u200E', 'U+200E'],
    ['\u200F', 'U+200F'],
    ['\u061C', 'U+061C'],
  ])('refuses the bidirectional control %#, naming it', (char, name) => {
    expect(visibleTextProblem(`admin${char}gnp.exe`)).toBe(
      `must not contain bidirectional control characters, which reorder the text around them (found ${name})`,
    );
  });

  it.each([
    ['\u200B', 'U+200B'],
    ['\u200C', 'U+200C'],
    ['\u2060', 'U+2060'],
    ['\uFEFF', 'U+FEFF'],
    ['\u00AD', 'U+00AD'],
    ['\u180E', 'U+180E'],
    ['\u2062', 'U+2062'],
    ['\u{E0041}', 'U+E0041'],
    ['\u{1D173}', 'U+1D173'],
    ['\u3164', 'U+3164'],
    ['\u115F', 'U+115F'],
    ['\u1160', 'U+1160'],
    ['\uFFA0', 'U+FFA0'],
    ['\u034F', 'U+034F'],
  ])('refuses the invisible character %#, naming it', (char, name) => {
    expect(visibleTextProblem(`ad${char}min`)).toBe(
      `must not contain invisible characters (found ${name})`,
    );
  });

  it.each(['a\u200Db', '👩\u200D', '\u200D💻', '👩\u200D\u200D💻', 'a\u200D💻'])(
    'refuses a zero-width joiner that does not join two emoji: %p',
    (text) => {
      expect(visibleTextProblem(text)).toBe(
        'must not contain invisible characters (found U+200D; a zero-width joiner may only join two emoji)',
      );
    },
  );

  it('refuses tag letters that do not end a flag', () => {
    expect(visibleTextProblem('flag\u{E0067}\u{E0062}\u{E007F}')).toContain('(found U+E0067)');
    expect(visibleTextProblem('\u{1F3F4}\u{E0067}\u{E0062}')).toContain('(found U+E0067)');
  });

  it.each(['a\u0007b', 'a\u0000b', 'a\nb', 'a\u0085b', 'a\u009Bb'])(
    'refuses control characters: %p',
    (text) => {
      expect(visibleTextProblem(text)).toBe('must not contain control characters');
    },
  );

  it.each(['a\u2028b', 'a\u2029b'])('refuses line and paragraph separators: %p', (text) => {
    expect(visibleTextProblem(text)).toBe('must not contain line or paragraph separators');
  });

  it.each(['a\uD800b', '\uDFFF'])('refuses unpaired surrogates: %p', (text) => {
    expect(visibleTextProblem(text)).toBe(
      'must not contain unpaired surrogates (ill-formed UTF-16)',
    );
  });

  it.each(['\u2800', '\u2800 \u2800', '\uFE0F', '\u0301\u0301', '\u3000\u2800'])(
    'refuses text with nothing visible: %p',
    (text) => {
      expect(visibleTextProblem(text)).toBe('must contain at least one visible character');
    },
  );
});

describe('TrimmedVisibleText', () => {
  it('names the field and the problem in one message', () => {
    expect(serverMessages(Name, 'hi\u202Ethere')).toEqual([
      'value must not contain bidirectional control characters, which reorder the text around them (found U+202E)',
    ]);
    expect(serverMessages(Name, '\u3164')).toEqual([
      'value must not contain invisible characters (found U+3164)',
    ]);
    expect(serverMessages(Name, ' \u2800 ')).toEqual([
      'value must contain at least one visible character',
    ]);
  });

  it('leaves empty text to the length rule: one message, or none where empty is allowed', () => {
    expect(serverMessages(Name, '  ')).toEqual([
      'value must be longer than or equal to 1 characters',
    ]);
    expect(serverMessages(Note, '  ')).toEqual([]);
  });

  it('trims what JavaScript trims, byte order mark included, before looking', () => {
    expect(serverMessages(Name, '\uFEFF\u2028 Bob \n')).toEqual([]);
  });
});

describe('visibleTextSchema', () => {
  const units = [
    'a',
    'Z',
    ' ',
    '\t',
    '\n',
    '\u00A0',
    '\u3000',
    '\u2028',
    '\uFEFF',
    '\u2800',
    '\u3164',
    '\u0301',
    '\uFE0F',
    '\u200B',
    '\u200C',
    '\u200D',
    '\u202E',
    '\u2066',
    '\u0000',
    '\u0085',
    '\uD800',
    '👩',
    '💻',
    '🏽',
    '\u{1F3F4}',
    '\u{E0067}',
    '\u{E007F}',
    'é',
  ];
  const text = fc.array(fc.constantFrom(...units), { maxLength: 8 }).map((parts) => parts.join(''));

  it.each([
    ['a required name', Name, visibleTextSchema(1, 16)],
    ['an optional note', Note, visibleTextSchema(0, 16)],
  ])('documents exactly what the validator accepts for %s', (_label, type, schema) => {
    fc.assert(
      fc.property(text, (value) => {
        expect(documentAccepts(schema, value)).toBe(serverMessages(type, value).length === 0);
      }),
      { numRuns: 2000, seed: 20_240_611 },
    );
  });
});
