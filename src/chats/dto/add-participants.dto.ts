import { ApiIdListProperty } from '../../common/http/api-schema.decorator';
import { IsMemberIds, MAX_GROUP_MEMBERS } from './member-ids.validator';

export class AddParticipantsDto {
  @ApiIdListProperty({
    minItems: 1,
    maxItems: MAX_GROUP_MEMBERS - 1,
    uniqueItems: true,
    example: [3],
  })
  @IsMemberIds(1)
  userIds!: number[];
}
