import { ApiProperty } from '@nestjs/swagger';
import { IsMemberIds, MAX_GROUP_MEMBERS } from './member-ids.validator';

export class AddParticipantsDto {
  @ApiProperty({ type: [Number], minItems: 1, maxItems: MAX_GROUP_MEMBERS - 1, example: [3] })
  @IsMemberIds(1)
  userIds!: number[];
}
