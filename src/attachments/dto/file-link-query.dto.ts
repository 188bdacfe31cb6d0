import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { SignedLinkQueryDto } from '../../common/links/link-query.dto';
import { ToInt } from '../../common/validation/to-int';

/** The query of a signed link to an attached file, as `url` and `thumbnailUrl` carry it. */
export class FileLinkQueryDto extends SignedLinkQueryDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The user the link was signed for' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  reader!: number;
}
