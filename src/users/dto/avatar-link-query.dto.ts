import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { SignedLinkQueryDto } from '../../common/links/link-query.dto';

/** The query of `displayPictureUrl`. */
export class AvatarLinkQueryDto extends SignedLinkQueryDto {
  @ApiProperty({ pattern: '^[0-9a-f]{16}$', description: 'The version of the avatar it names' })
  @IsString()
  @Matches(/^[0-9a-f]{16}$/, { message: 'v must be 16 hexadecimal digits' })
  v!: string;
}
