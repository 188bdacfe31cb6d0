import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller';

/** Documents served beside the API's own (Swagger UI at /docs is set up with the app). */
@Module({ controllers: [AsyncApiController] })
export class DocsModule {}
