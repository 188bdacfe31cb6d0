import { IsInt, Max, Min } from 'class-validator';
import { ApiIdProperty } from '../../common/http/api-schema.decorator';
import { MAX_INT_ID } from '../../common/validation/parse-id.pipe';

export class BlockUserDto {
  @ApiIdProperty({ example: 3 })
  @IsInt()
  @Min(1)
  @Max(MAX_INT_ID)
  userId!: number;
}
