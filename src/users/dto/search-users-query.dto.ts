import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { USERNAME_PATTERN } from './username.validator';

export class SearchUsersQueryDto extends PageQueryDto {
  @ApiProperty({ description: 'Username prefix, matched case-insensitively', example: 'shi' })
  @IsString()
  @Length(1, 32)
  @Matches(USERNAME_PATTERN, {
    message: 'q may contain only letters, digits, underscores, dots and hyphens',
  })
  q!: string;
}
