import { ApiProperty } from '@nestjs/swagger';
import { GROUP_NAME_SCHEMA, IsGroupName } from './group-name.validator';

export class RenameChatDto {
  @ApiProperty({
    ...GROUP_NAME_SCHEMA,
    example: 'group-1 (renamed)',
  })
  @IsGroupName()
  name!: string;
}
