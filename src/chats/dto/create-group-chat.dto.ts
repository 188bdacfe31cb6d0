import { ApiProperty } from '@nestjs/swagger';
import { IsGroupName } from './group-name.validator';
import { IsMemberIds, MAX_GROUP_MEMBERS } from './member-ids.validator';

export class CreateGroupChatDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'group-1' })
  @IsGroupName()
  name!: string;

  @ApiProperty({
    type: [Number],
    maxItems: MAX_GROUP_MEMBERS - 1,
    example: [1, 3],
    description: 'Friends of mine to add; I am the owner',
  })
  @IsMemberIds(0)
  memberIds!: number[];
}
