import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { USERNAME_SCHEMA } from './username.validator';

export class UserResponseDto {
  @ApiIdProperty({ example: 1 })
  id!: number;

  @ApiProperty({ ...USERNAME_SCHEMA, example: 'shivam' })
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
}
