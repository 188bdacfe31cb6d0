import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service';
import { AuthResponseDto } from '../auth/dto/auth-response.dto';
import { TransactionHost } from '../database/transaction-host';
import { FriendRequestsService } from '../friends/friend-requests.service';
import { friendPair } from '../friends/friend-pair';
import { UsersService } from '../users/users.service';
import { FriendshipResponseDto } from './dto/befriend-users.dto';
import { ProvisionedUserResponseDto } from './dto/provisioned-user-response.dto';
import { ProvisionUserDto } from './dto/provision-user.dto';
import { SuspendUserDto, SuspensionResponseDto } from './dto/suspend-user.dto';
import { AdminError, AdminErrorCode } from './admin.errors';

/**
 * What an app's backend does for its people: provisions them by its own ids, hands them sessions
 * without a password, makes them friends by its own rules, and suspends them.
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly friendRequests: FriendRequestsService,
    private readonly transactions: TransactionHost,
  ) {}

  async provision(
    externalId: string,
    { username, displayName }: ProvisionUserDto,
  ): Promise<{ user: ProvisionedUserResponseDto; created: boolean }> {
    const { user, created } = await this.users.provision({
      externalId,
      username,
      displayName: displayName ?? null,
    });
    return { user: { ...user, externalId }, created };
  }

  issueSession(userId: number): Promise<AuthResponseDto> {
    return this.auth.issueSession(userId);
  }

  async befriend(userIds: [number, number]): Promise<FriendshipResponseDto> {
    const created = await this.friendRequests.befriend(userIds[0], userIds[1]);
    const { low, high } = friendPair(userIds[0], userIds[1]);
    return { userIds: [low, high], created };
  }

  /** Sessions end with it, in one transaction; once it commits their sockets close everywhere. */
  async suspend(userId: number, { until, reason }: SuspendUserDto): Promise<SuspensionResponseDto> {
    const end = until === undefined ? null : new Date(until);
    if (end !== null && end.getTime() <= Date.now()) {
      throw new AdminError(AdminErrorCode.SUSPENSION_IN_THE_PAST);
    }
    await this.transactions.run(async () => {
      await this.users.suspend(userId, end, reason ?? null);
      await this.auth.revokeSessions(userId);
    });
    return { userId, until: end?.toISOString() ?? null, reason: reason ?? null };
  }

  liftSuspension(userId: number): Promise<void> {
    return this.users.liftSuspension(userId);
  }
}
