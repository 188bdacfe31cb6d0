import { ApiProperty } from '@nestjs/swagger';
import { MentionsProperty } from './mentions.validator';
import { IsMessageBody, MESSAGE_BODY_SCHEMA } from './message-body.validator';

export class EditMessageDto {
  @ApiProperty({ ...MESSAGE_BODY_SCHEMA, description: 'Trimmed', example: 'hello!' })
  @IsMessageBody()
  body!: string;

  @MentionsProperty(
    'Replaces the mentions when given (`[]` removes them all); left as they were when omitted',
  )
  mentions?: number[];
}
