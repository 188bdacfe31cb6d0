import { ApiProperty } from '@nestjs/swagger';
import { ApiBigIdProperty } from '../../common/http/api-schema.decorator';
import { EMOJI_SCHEMA } from './reaction-emoji';

/** My reaction after a PUT or DELETE, with the emoji's count from the rows. */
export class ReactionResponseDto {
  @ApiBigIdProperty({ example: 42 })
  messageId!: number;

  @ApiProperty({ ...EMOJI_SCHEMA, example: '👍' })
  emoji!: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 3 })
  count!: number;

  @ApiProperty({ example: true, description: 'Whether I react with it now' })
  me!: boolean;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 17,
    description: "The message's rev: of this change, or its latest one when nothing changed",
  })
  rev!: number;
}
