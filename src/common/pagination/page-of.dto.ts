import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

/** A named OpenAPI schema for `{ items, nextCursor }` of the given item DTO. */
export function PageOf<T>(item: Type<T>): Type<{ items: T[]; nextCursor: string | null }> {
  class PageDto {
    @ApiProperty({ type: [item] })
    items!: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as ?cursor= to get the next page; null on the last page',
      example: 'eyJ1Ijoic2hpdmFtIn0',
    })
    nextCursor!: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  return PageDto;
}
