import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, Max, Min } from 'class-validator';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';

export class BefriendUsersDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: MAX_INT_ID },
    minItems: 2,
    maxItems: 2,
    example: [1, 2],
    description: 'The two users to make friends',
  })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_INT_ID, { each: true })
  userIds!: [number, number];
}

export class FriendshipResponseDto {
  @ApiProperty({ type: 'array', items: { type: 'integer' }, example: [1, 2] })
  userIds!: [number, number];

  @ApiProperty({ description: 'false when they were friends already', example: true })
  created!: boolean;
}
