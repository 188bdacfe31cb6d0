import { ApiProperty } from '@nestjs/swagger';
import { ApiIdListProperty } from '../../common/http/api-schema.decorator';
import { GROUP_NAME_SCHEMA, IsGroupName } from './group-name.validator';
import { IsMemberIds, MAX_GROUP_MEMBERS } from './member-ids.validator';

export class CreateGroupChatDto {
  @ApiProperty({
    ...GROUP_NAME_SCHEMA,
    example: 'group-1',
  })
  @IsGroupName()
  name!: string;

  @ApiIdListProperty({
    maxItems: MAX_GROUP_MEMBERS - 1,
    uniqueItems: true,
    example: [1, 3],
    description: 'Friends of mine to add; I am the owner',
  })
  @IsMemberIds(0)
  memberIds!: number[];
}
