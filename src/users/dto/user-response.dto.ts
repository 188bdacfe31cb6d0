import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { USERNAME_SCHEMA } from './username.validator';

export class UserResponseDto {
  @ApiIdProperty({ example: 1 })
  id!: number;

  @ApiProperty({
    minLength: USERNAME_SCHEMA.minLength,
    maxLength: USERNAME_SCHEMA.maxLength,
    description:
      'Letters, digits, `_`, `.` and `-`. A deleted account keeps its username for a grace ' +
      'period (nobody can take it meanwhile), then shows `deleted#<id>`.',
    example: 'shivam',
  })
  username!: string;

  @ApiProperty({ minLength: 1, maxLength: 64, example: 'Shivam' })
  displayName!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Path of the avatar (with a version for caching), null until one is uploaded',
    example: '/api/v1/users/1/avatar?v=9f86d081884c7d65',
  })
  displayPictureUrl!: string | null;

  @ApiTimestampProperty({ example: '2022-11-16T12:00:00.000Z' })
  joinedAt!: string;

  @ApiProperty({
    description:
      'True once the account is deleted: its display name reads "Deleted user", it has no ' +
      'picture, and nobody can befriend it or chat with it any more; its messages stay in ' +
      'history (as tombstones unless the operator keeps them).',
    example: false,
  })
  deleted!: boolean;
}
