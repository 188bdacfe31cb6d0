import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { USERNAME_PATTERN, USERNAME_SCHEMA } from './username.validator';

export class SearchUsersQueryDto extends PageQueryDto {
  @ApiProperty({
    minLength: 1,
    maxLength: USERNAME_SCHEMA.maxLength,
    pattern: USERNAME_PATTERN.source,
    description: 'Username prefix, matched case-insensitively',
    example: 'shi',
  })
  @IsString()
  @Length(1, USERNAME_SCHEMA.maxLength)
  @Matches(USERNAME_PATTERN, {
    message: 'q may contain only letters, digits, underscores, dots and hyphens',
  })
  q!: string;
}
