import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { GROUP_NAME_SCHEMA, IsGroupName } from '../../chats/dto/group-name.validator';
import { IsMessageBody, MESSAGE_BODY_SCHEMA } from '../../messages/dto/message-body.validator';
import { DISPLAY_NAME_SCHEMA, IsDisplayName } from '../../users/dto/display-name.validator';

class DisplayName {
  @IsDisplayName()
  value!: string;
}

class GroupName {
  @IsGroupName()
  value!: string;
}

class MessageBody {
  @IsMessageBody()
  value!: string;
}

type Schema = { minLength: number; maxLength: number; pattern: string };

/** As a JSON Schema validator (ajv, Unicode mode) reads the documented schema. */
function documentAccepts(schema: Schema, value: string): boolean {
  const length = [...value].length;
  return (
    length >= schema.minLength &&
    length <= schema.maxLength &&
    new RegExp(schema.pattern, 'u').test(value)
  );
}

function serverAccepts(type: new () => object, value: string): boolean {
  return validateSync(plainToInstance(type, { value })).length === 0;
}

/** Edge cases of trimming and of each rule; none is long enough for the lengths to differ. */
const SAMPLES = [
  'a',
  'Shivam K.',
  ' padded ',
  '\t\n tabs and newlines at the ends \r\n',
  'inner\ttab',
  'inner\nnewline',
  '',
  ' ',
  '\t\n',
  '\u00a0nbsp\u00a0',
  '\u00a0',
  '\u2028',
  'line\u2028separator',
  '\ufeffbom',
  '\u0085',
  'nel\u0085',
  'x\u007f',
  'x\u009fy',
  'x\u00a0y',
  'naïve café',
  'emoji 👍🏽',
  'lone \ud800 surrogate',
  '\udfff',
  'nul\u0000inside',
  ' \u0000',
  '\u0000',
  'unit\u001fseparator',
  'right\u202eto left',
  'zero\u200bwidth',
  '\u3164',
  '\u2800',
  '\ud83d\udc69\u200d\ud83d\udcbb',
  'a\u200db',
];

describe.each([
  ['IsDisplayName', DisplayName, DISPLAY_NAME_SCHEMA],
  ['IsGroupName', GroupName, GROUP_NAME_SCHEMA],
  ['IsMessageBody', MessageBody, MESSAGE_BODY_SCHEMA],
])('the documented schema of %s', (_name, type, schema) => {
  it.each(SAMPLES.map((sample) => [JSON.stringify(sample), sample]))(
    'agrees with the validator on %s',
    (_label, sample) => {
      expect(documentAccepts(schema, sample)).toBe(serverAccepts(type, sample));
    },
  );

  it('has the validator’s length limits', () => {
    const longest = 'x'.repeat(schema.maxLength);
    expect([longest, `${longest}x`].map((value) => serverAccepts(type, value))).toEqual([
      true,
      false,
    ]);
    expect([longest, `${longest}x`].map((value) => documentAccepts(schema, value))).toEqual([
      true,
      false,
    ]);
  });
});
