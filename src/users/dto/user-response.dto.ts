import { ApiProperty } from '@nestjs/swagger';

export class UserResponseDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'shivam' })
  username!: string;

  @ApiProperty({ example: 'Shivam' })
  displayName!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Path of the avatar (with a version for caching), null until one is uploaded',
    example: '/api/v1/users/1/avatar?v=9f86d081884c7d65',
  })
  displayPictureUrl!: string | null;

  @ApiProperty({ example: '2022-11-16T12:00:00.000Z' })
  joinedAt!: string;
}
