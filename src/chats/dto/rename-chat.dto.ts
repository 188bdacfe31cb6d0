import { ApiProperty } from '@nestjs/swagger';
import { IsGroupName } from './group-name.validator';

export class RenameChatDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'group-1 (renamed)' })
  @IsGroupName()
  name!: string;
}
