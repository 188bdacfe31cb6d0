import { ApiProperty } from '@nestjs/swagger';
import { MessageResponseDto } from './message-response.dto';

export class SearchHitDto {
  @ApiProperty({ type: MessageResponseDto })
  message!: MessageResponseDto;

  @ApiProperty({
    example: 'shall we have <mark>lunch</mark> next week?',
    description:
      'Where the message matches, as HTML: the text escaped, matched words in `<mark>`, up to two fragments joined by ` … `',
  })
  highlight!: string;
}
