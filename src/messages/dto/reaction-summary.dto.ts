import { ApiProperty } from '@nestjs/swagger';
import { EMOJI_SCHEMA } from './reaction-emoji';

/** One emoji on a message: how many reacted with it, and whether I did. */
export class ReactionSummaryDto {
  @ApiProperty({ ...EMOJI_SCHEMA, example: '👍' })
  emoji!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 2 })
  count!: number;

  @ApiProperty({
    example: true,
    description:
      'Whether the reader reacted with it. Events sent to a whole chat do not know their reader and say false: keep the value you hold (only `message:reactions` with your userId changes it)',
  })
  me!: boolean;
}
