import { applyDecorators, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/public.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AdminErrorCode, ADMIN_ERROR_MESSAGES } from './admin.errors';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';

/** The security scheme of the admin API in the OpenAPI document. */
export const ADMIN_SECURITY = 'admin';

/**
 * An admin API controller: authorized by ADMIN_API_TOKEN instead of a user's access token
 * (401 without a token, 403 with another one, 404 while the admin API is off). Every call is audited.
 */
export function AdminRoute(): ClassDecorator {
  return applyDecorators(
    Public(),
    UseGuards(AdminTokenGuard),
    UseInterceptors(AdminAuditInterceptor),
    ApiTags('admin'),
    ApiBearerAuth(ADMIN_SECURITY),
    ApiErrors(
      {
        status: 401,
        description: 'No admin token: send Authorization: Bearer <ADMIN_API_TOKEN>',
        code: AdminErrorCode.ADMIN_TOKEN_MISSING,
        message: ADMIN_ERROR_MESSAGES.ADMIN_TOKEN_MISSING,
      },
      {
        status: 403,
        description: "Not the admin token (a user's access token is not one either)",
        code: AdminErrorCode.ADMIN_TOKEN_INVALID,
        message: ADMIN_ERROR_MESSAGES.ADMIN_TOKEN_INVALID,
      },
      {
        status: 404,
        description: 'Not found, or the admin API is off (the server has no ADMIN_API_TOKEN)',
        code: AdminErrorCode.ADMIN_API_DISABLED,
        message: ADMIN_ERROR_MESSAGES.ADMIN_API_DISABLED,
      },
    ),
  );
}
