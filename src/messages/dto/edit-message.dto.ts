import { ApiProperty } from '@nestjs/swagger';
import { IsMessageBody, MESSAGE_BODY_SCHEMA } from './message-body.validator';

export class EditMessageDto {
  @ApiProperty({ ...MESSAGE_BODY_SCHEMA, description: 'Trimmed', example: 'hello!' })
  @IsMessageBody()
  body!: string;
}
