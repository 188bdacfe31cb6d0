import { ApiProperty } from '@nestjs/swagger';
import { IsMessageBody, MAX_MESSAGE_LENGTH } from './message-body.validator';

export class EditMessageDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH, example: 'hello!' })
  @IsMessageBody()
  body!: string;
}
