import fc, { Arbitrary } from 'fast-check';

/**
 * Generators of hostile input for the fuzzing suites (test/reliability): text that breaks naive
 * handling, numbers at every boundary, objects biased to the field names a route documents, and
 * the encodings a client can put on the wire.
 */

/** Seed of every property; FUZZ_SEED replays another run. fast-check prints it on failure. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);

/** Multiplies the number of runs of every property: FUZZ_SCALE=10 for a long soak. */
export const FUZZ_SCALE = Number(process.env.FUZZ_SCALE ?? 1);

export const runs = (base: number): number => Math.max(1, Math.round(base * FUZZ_SCALE));

/** Code units and sequences that break naive text handling. */
export const NASTY_UNITS: readonly string[] = [
  // control characters and NUL
  '\u0000',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  // zero-width and invisible
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  // bidirectional overrides and marks
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2069',
  '\u061c',
  // lone surrogates
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  // astral, combining, noncharacters, separators
  '\ud83d\ude00',
  '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67',
  'e\u0301',
  '\u0301\u0301\u0301',
  '\ufffd',
  '\uffff',
  '\ufffe',
  '\u{10ffff}',
  '\u2028',
  '\u2029',
  '\r\n',
  '\t',
  ' ',
  '\u00a0',
  '\u3000',
  // lookalikes and case-mapping traps
  '\u0661',
  '\uff11',
  '\u0130',
  '\u00df',
  '\ufb00',
  '\u0410',
  // injection-shaped text
  '%00',
  '%',
  '\\',
  '"',
  "'",
  '`',
  '${x}',
  '{{x}}',
  '<script>',
  "' OR '1'='1",
  '--',
  ';',
  '../',
  '\\u0000',
];

export const NUMERIC_LOOKING: readonly string[] = [
  '0',
  '1',
  '-1',
  '-0',
  '+1',
  '1.0',
  '1.5',
  '1e3',
  '1E3',
  '0x10',
  '0b1',
  '0o7',
  '007',
  ' 1',
  '1 ',
  '1_000',
  '2147483647',
  '2147483648',
  '9007199254740991',
  '9007199254740992',
  '99999999999999999999',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  'false',
  '[]',
  '{}',
  '',
];

const nastyUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_UNITS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }) },
);

export const shortNastyString: Arbitrary<string> = fc
  .array(nastyUnit, { maxLength: 12 })
  .map((parts) => parts.join(''));

/** Ordinary text with edge-case units inside: valid where any text is, so it reaches storage. */
export const edgyText: Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
    fc.array(fc.constantFrom(...NASTY_UNITS), { minLength: 1, maxLength: 4 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  )
  .map(([head, units, tail]) => `${head}${units.join('')}${tail}`);

/** Text every string field meets in the table tests: each one, deterministically. */
export const EDGE_TEXTS: readonly string[] = [
  '\ud800',
  '\udfff',
  'a\udc00b',
  '\udfff\ud800',
  'x\u0000y',
  '\ufeffx',
  '\u200b',
  ' \u200b ',
  '\u202eabc\u202c',
  '\u200f\u0627',
  '\u0301',
  '\uffff',
  '\u{10ffff}',
  '\ud83d\ude00'.repeat(4000),
  '\ud83d\ude00'.repeat(4001),
  'e\u0301'.repeat(2001),
  'x'.repeat(100_000),
  '\u00e9'.repeat(100_000),
];

/** Lengths at and just past the limits the API documents, and 100k characters. */
export const longString: Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('x', '\u00e9', '\ud83d\ude00', '\u200b', '\u0000', '\ud800', 'a\u202e', ' '),
    fc.constantFrom(33, 64, 65, 101, 129, 201, 4000, 4001, 8001, 100_000),
  )
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

export const nastyString: Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: shortNastyString },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMERIC_LOOKING) },
  { weight: 1, arbitrary: longString },
);

export const nastyNumber: Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    2,
    1.5,
    -1.5,
    0.1,
    1e-7,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    1e21,
    1e308,
    Number.MIN_VALUE,
  ),
  fc.integer(),
  // NaN and the infinities become null in JSON: null is generated anyway.
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

export const nastyLeaf: Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 3, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Keys that reach prototypes or trip naive code. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const TRAP_KEYS = [...PROTOTYPE_KEYS, 'toString', 'valueOf', 'hasOwnProperty', 'then', 'length'];

/** A field name: mostly one the route documents, sometimes a trap or garbage. */
export function fieldKey(known: readonly string[]): Arbitrary<string> {
  const others = [
    { weight: 1, arbitrary: fc.constantFrom(...TRAP_KEYS, '', ' ', '0', '$where', 'a.b') },
    { weight: 1, arbitrary: shortNastyString },
  ];
  return known.length > 0
    ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, ...others)
    : fc.oneof(...others);
}

/**
 * An object with exactly these own, enumerable entries. Plain assignment would set the prototype
 * for `__proto__`; JSON.stringify and Socket.IO serialise an own `__proto__` property as a key.
 */
export function objectOf(
  entries: readonly (readonly [string, unknown])[],
): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

/** Any JSON value, objects keyed mostly by the known field names. */
export function nastyValue(known: readonly string[] = []): Arbitrary<unknown> {
  const key = fieldKey(known);
  return fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>(
    (tie) => ({
      value: fc.oneof(
        { depthSize: 'small', maxDepth: 4 },
        { weight: 4, arbitrary: nastyLeaf },
        { weight: 1, arbitrary: tie('array') },
        { weight: 1, arbitrary: tie('object') },
      ),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map(objectOf),
    }),
  ).value;
}

/** Objects or arrays nested past any sane depth (the API refuses more than 16 levels). */
export const deeplyNested: Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(17, 64, 200), fc.constantFrom('object', 'array', 'mixed'), nastyLeaf)
  .map(([depth, shape, leaf]) => {
    let value: unknown = leaf;
    for (let i = 0; i < depth; i += 1) {
      const asArray = shape === 'array' || (shape === 'mixed' && i % 2 === 0);
      value = asArray ? [value] : { a: value };
    }
    return value;
  });

/**
 * Percent-encodes text the way a careless client might: UTF-8, except that lone surrogates become
 * their WTF-8 bytes (`%ED%A0%80`), which no decoder accepts.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    let codePoint = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        codePoint = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        i += 1;
      }
    }
    if (codePoint < 0x80 && /[A-Za-z0-9\-._~]/.test(String.fromCharCode(codePoint))) {
      out += String.fromCharCode(codePoint);
      continue;
    }
    for (const byte of utf8Bytes(codePoint))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function utf8Bytes(codePoint: number): number[] {
  if (codePoint < 0x80) return [codePoint];
  if (codePoint < 0x800) return [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f)];
  if (codePoint < 0x10000) {
    return [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)];
  }
  return [
    0xf0 | (codePoint >> 18),
    0x80 | ((codePoint >> 12) & 0x3f),
    0x80 | ((codePoint >> 6) & 0x3f),
    0x80 | (codePoint & 0x3f),
  ];
}

/** Path segments sent without further encoding: broken escapes, encoded NUL, dot segments. */
const RAW_SEGMENTS = [
  '%00',
  '1%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%2F',
  '1%2F2',
  '%2e%2e',
  '..',
  '.',
  '%31',
  '1;x',
  '1,2',
  '1.',
  '%20',
  '1%0A',
];

/** Visible ASCII stays raw (as HTTP allows); anything else is percent-encoded. */
export function encodeNonVisible(text: string): string {
  return text.replace(/[^\u0021-\u007e]/gu, percentEncode);
}

/** A path id as sent on the wire: real ids some of the time, garbage the rest. */
export function pathSegment(realIds: readonly number[]): Arbitrary<string> {
  const garbage = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(...NUMERIC_LOOKING.filter(Boolean)).map(encodeNonVisible),
    },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 32 }).map(String) },
    { weight: 1, arbitrary: fc.double({ noNaN: true }).map(String) },
    {
      weight: 1,
      arbitrary: fc
        .bigInt({ min: 2n ** 31n - 2n, max: 2n ** 64n })
        .map((n: bigint) => n.toString()),
    },
    { weight: 3, arbitrary: nastyString.filter((s) => s.length < 2000).map(percentEncode) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('9', 'a', '%00', '0'), fc.constantFrom(100, 1000, 5000))
        .map(([unit, n]) => unit.repeat(n)),
    },
  );
  return realIds.length > 0
    ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...realIds.map(String)) }, garbage)
    : garbage;
}

/** True when `wire`, once decoded, is a path id the API takes ("a plain positive decimal integer"). */
export function isValidPathId(wire: string, max: number): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(wire);
  } catch {
    return false;
  }
  return /^[1-9]\d{0,15}$/.test(decoded) && Number(decoded) <= max;
}

/**
 * A query string (with its `?`) from [key, value, raw] triples: percent-encoded, or with visible
 * ASCII sent raw (brackets, quotes, `%` and all).
 */
export function queryString(pairs: readonly (readonly [string, string | null, boolean])[]): string {
  if (pairs.length === 0) return '';
  const encoded = pairs.map(([key, value, raw]) => {
    const k = raw ? key.replace(/[^\u0021-\u007e]|[#&=?]/gu, percentEncode) : percentEncode(key);
    if (value === null) return k;
    const v = raw ? value.replace(/[^\u0021-\u007e]|[#&]/gu, percentEncode) : percentEncode(value);
    return `${k}=${v}`;
  });
  return `?${encoded.join('&')}`;
}

/** Short, printable description of any generated value for failure reports. */
export function summarize(value: unknown, limit = 600): string {
  const seen = new WeakSet<object>();
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'string' && v.length > 60) return `${v.slice(0, 30)}…<${v.length} chars>`;
        if (Buffer.isBuffer(v)) return `<Buffer ${v.length} bytes>`;
        if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
          return `<Buffer ${((v as { data?: unknown[] }).data ?? []).length} bytes>`;
        }
        if (v && typeof v === 'object') {
          if (seen.has(v)) return '<cycle>';
          seen.add(v);
        }
        return v;
      }) ?? String(value);
  } catch {
    text = String(value);
  }
  text = escapeText(text);
  return text.length > limit ? `${text.slice(0, limit)}…<${text.length} chars>` : text;
}

/** Control, invisible and surrogate code units as \uXXXX, so a report shows what was sent. */
function escapeText(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\u007f-\u00a0\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ud800-\udfff\ufeff\ufffe\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
