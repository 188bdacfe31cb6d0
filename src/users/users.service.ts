import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { decodeCursor, Page, toPage } from '../common/pagination/page';
import { toAvatarImage } from './avatar-image';
import { UserResponseDto } from './dto/user-response.dto';
import { USERNAME_PATTERN } from './dto/username.validator';
import { isPossibleUsername, usernameKey } from './username';
import { AvatarLinks } from './avatar-links';
import { User } from './entities/user.entity';
import { toMeResponse, toUserResponse } from './users.mapper';
import { MeResponseDto } from './dto/me-response.dto';
import { UsersError, UsersErrorCode } from './users.errors';
import { TransactionHost } from '../database/transaction-host';
import { UserDeletedEvent, UserSuspendedEvent, UsersEvents } from './events/users.events';
import {
  NewUser,
  ProfileChanges,
  ProvisionedUser,
  Standing,
  UsersRepository,
} from './users.repository';

export interface Credentials {
  user: UserResponseDto;
  /** Null for a provisioned user, who has no password to log in with. */
  passwordHash: string | null;
}

export interface AvatarLinkQuery {
  v: string;
  expires: number;
  signature: string;
}

export interface Avatar {
  contentType: string;
  data: Buffer;
  etag: string;
  updatedAt: Date;
}

interface SearchCursor {
  u: string;
}

const isSearchCursor = (value: unknown): value is SearchCursor => {
  const key = (value as SearchCursor | null)?.u;
  return typeof key === 'string' && key.length <= 32 && USERNAME_PATTERN.test(key);
};

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly avatarLinks: AvatarLinks,
    private readonly transactions: TransactionHost,
  ) {}

  async register(user: NewUser): Promise<UserResponseDto> {
    return this.profile(await this.users.insert(user));
  }

  /** Creates or updates the app's user of that externalId (no password: they sign in through it). */
  async provision(user: ProvisionedUser): Promise<{ user: UserResponseDto; created: boolean }> {
    const { user: stored, created } = await this.users.upsertByExternalId(user);
    return { user: this.profile(stored), created };
  }

  /**
   * The user an identity provider knows by `externalId` (its subject), created on first use with
   * the username the provider suggests when it is valid and free, else one derived from the id.
   * Anyone may register the derived name first, so a taken one gets a random suffix: a person's
   * first sign-in never fails on a name they did not choose. Null when the id names a deleted
   * account and the token was issued before the deletion: it stays gone; a token issued after it
   * (the person signed in again) brings them back as a new user.
   */
  async externalUser(
    externalId: string,
    suggested: unknown,
    issuedAt: Date | null,
  ): Promise<UserResponseDto | null> {
    const existing = await this.users.findByExternalId(externalId);
    if (existing && !existing.deletedAt) return this.profile(existing);
    if (existing) {
      if (issuedAt === null || issuedAt <= existing.deletedAt!) return null;
      await this.users.releaseExternalId(externalId);
    }
    const derived = `u_${createHash('sha256').update(externalId).digest('hex').slice(0, 16)}`;
    const candidates = [
      ...(typeof suggested === 'string' && isPossibleUsername(suggested) ? [suggested] : []),
      derived,
      ...Array.from({ length: 3 }, () => `${derived}_${randomBytes(4).toString('hex')}`),
    ];
    for (const username of candidates) {
      try {
        const user = await this.users.insertExternal({
          externalId,
          username,
          displayName: username,
        });
        return this.profile(user);
      } catch (error) {
        if (!(error instanceof UsersError && error.code === UsersErrorCode.USERNAME_TAKEN)) {
          throw error;
        }
      }
    }
    throw new UsersError(UsersErrorCode.USERNAME_TAKEN, 'No free username for this identity');
  }

  /** Whether the user may act now: there, and not suspended. */
  standing(userId: number): Promise<Standing> {
    return this.users.standing(userId);
  }

  /**
   * standing(), holding the user's row until the ambient transaction ends, so that a suspension
   * or deletion commits either before (and is seen) or after what the transaction writes.
   */
  lockStanding(userId: number): Promise<Standing> {
    return this.users.standing(userId, true);
  }

  /**
   * Suspends the user until `until` (for good when null), in the ambient transaction; once it
   * commits, their sockets close everywhere.
   */
  async suspend(userId: number, until: Date | null, reason: string | null): Promise<void> {
    if (!(await this.users.suspend(userId, until, reason))) throw UsersError.notFound();
    this.transactions.publish(UsersEvents.suspended, new UserSuspendedEvent(userId));
  }

  /**
   * Turns the account into a tombstone (see UsersRepository.markDeleted), in the ambient
   * transaction; once it commits, their sockets close everywhere. USER_NOT_FOUND when it is gone.
   */
  async delete(userId: number): Promise<void> {
    if (!(await this.users.markDeleted(userId))) throw UsersError.notFound();
    this.transactions.publish(UsersEvents.deleted, new UserDeletedEvent(userId));
  }

  /** Frees the usernames of accounts deleted more than `graceDays` ago. */
  freeUsernames(graceDays: number): Promise<number> {
    return this.users.freeUsernames(graceDays);
  }

  async liftSuspension(userId: number): Promise<void> {
    if (!(await this.users.lift(userId))) throw UsersError.notFound();
  }

  /** What login needs to check a password; null when no such user exists. */
  async findCredentials(username: string): Promise<Credentials | null> {
    const user = await this.users.findByUsername(username);
    return user && { user: this.profile(user), passwordHash: user.passwordHash };
  }

  /** What confirming the user's password needs; USER_NOT_FOUND once the account is gone. */
  async credentialsOf(userId: number): Promise<{ username: string; passwordHash: string | null }> {
    const user = await this.findActive(userId);
    return { username: user.username, passwordHash: user.passwordHash };
  }

  /** The profile, a deleted account's too (it renders as one). */
  async getOrThrow(userId: number): Promise<UserResponseDto> {
    const user = await this.users.findById(userId);
    if (!user) throw UsersError.notFound();
    return this.profile(user);
  }

  /** The profile of someone others can still befriend, block or chat with: not deleted. */
  async getActiveOrThrow(userId: number): Promise<UserResponseDto> {
    const user = await this.findActive(userId);
    return this.profile(user);
  }

  async getMe(userId: number): Promise<MeResponseDto> {
    const user = await this.findActive(userId);
    return toMeResponse(user, this.pictureOf(user));
  }

  async updateProfile(userId: number, changes: ProfileChanges): Promise<MeResponseDto> {
    const user = await this.users.updateProfile(userId, changes);
    if (!user) throw UsersError.notFound();
    return toMeResponse(user, this.pictureOf(user));
  }

  /** Public profiles by id, in one query; ids of users that do not exist are absent. */
  async getProfiles(userIds: number[]): Promise<Map<number, UserResponseDto>> {
    const unique = [...new Set(userIds)];
    const users = unique.length > 0 ? await this.users.findByIds(unique) : [];
    return new Map(users.map((user) => [user.id, this.profile(user)]));
  }

  /** Which of the users show their read markers to others (one query). */
  async readReceiptSharers(userIds: number[]): Promise<Set<number>> {
    const unique = [...new Set(userIds)];
    const users = unique.length > 0 ? await this.users.findByIds(unique) : [];
    return new Set(users.filter((user) => user.shareReadReceipts).map((user) => user.id));
  }

  /** Stamps the moment the user went offline. */
  recordLastSeen(userId: number): Promise<Date> {
    return this.users.touchLastSeen(userId);
  }

  /** When each user was last seen online (null: never, or online since signing up). */
  async lastSeenOf(userIds: number[]): Promise<Map<number, Date | null>> {
    const users = userIds.length > 0 ? await this.users.findByIds([...new Set(userIds)]) : [];
    return new Map(users.map((user) => [user.id, user.lastSeenAt]));
  }

  /** Whether the user takes friend requests; USER_NOT_FOUND when there is no such user. */
  async acceptsFriendRequests(userId: number): Promise<boolean> {
    const user = await this.findActive(userId);
    return user.allowFriendRequests;
  }

  async search(prefix: string, limit: number, cursor?: string): Promise<Page<UserResponseDto>> {
    const after = cursor === undefined ? null : decodeCursor(cursor, isSearchCursor).u;
    const rows = await this.users.searchByPrefix(prefix, after, limit + 1);
    return toPage(
      rows,
      limit,
      (user) => ({ u: usernameKey(user.username) }),
      (user) => this.profile(user),
    );
  }

  /** Stores the upload, decoded and encoded afresh (see toAvatarImage), as the user's avatar. */
  async setAvatar(userId: number, upload: Buffer): Promise<UserResponseDto> {
    const { contentType, data } = await toAvatarImage(upload);
    const etag = createHash('sha256').update(data).digest('hex');
    const user = await this.users.saveAvatar(userId, { contentType, data, etag });
    if (!user) throw UsersError.notFound();
    return this.profile(user);
  }

  /**
   * The avatar a signed link names (`displayPictureUrl`): 403 for a link not signed here or
   * expired, 404 once the user has another avatar or none.
   */
  async getAvatarByLink(userId: number, link: AvatarLinkQuery): Promise<Avatar> {
    this.avatarLinks.verify(userId, link.v, link.expires, link.signature);
    const avatar = await this.getAvatar(userId);
    if (!this.avatarLinks.isVersion(avatar.etag, link.v)) {
      throw new UsersError(UsersErrorCode.AVATAR_NOT_FOUND, 'This user has another avatar now');
    }
    return avatar;
  }

  /** Seconds a verified avatar link has left. */
  avatarLinkSecondsLeft(link: AvatarLinkQuery): number {
    return this.avatarLinks.secondsLeft(link.expires);
  }

  async getAvatar(userId: number): Promise<Avatar> {
    const avatar = await this.users.findAvatar(userId);
    if (!avatar) throw new UsersError(UsersErrorCode.AVATAR_NOT_FOUND, 'This user has no avatar');
    const { contentType, data, etag, updatedAt } = avatar;
    return { contentType, data, etag, updatedAt };
  }

  /** The user unless they do not exist or their account is deleted (USER_NOT_FOUND). */
  private async findActive(userId: number): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user || user.deletedAt) throw UsersError.notFound();
    return user;
  }

  private profile(user: User): UserResponseDto {
    return toUserResponse(user, this.pictureOf(user));
  }

  private pictureOf(user: User): string | null {
    return user.avatarEtag ? this.avatarLinks.link(user.id, user.avatarEtag) : null;
  }
}
