import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';

/** The admin API's guard (ADMIN_API_TOKEN); its routes live with the modules they administer. */
@Module({
  providers: [AdminTokenGuard],
  exports: [AdminTokenGuard],
})
export class AdminModule {}
