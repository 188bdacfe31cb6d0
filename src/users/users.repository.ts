import { Injectable } from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import { isPgError, PG_UNIQUE_VIOLATION } from '../database/pg-errors';
import { TransactionHost } from '../database/transaction-host';
import { UserAvatar } from './entities/user-avatar.entity';
import { User } from './entities/user.entity';
import { isPossibleUsername, usernameKey, usernameSkeleton } from './username';
import { UsersError, UsersErrorCode } from './users.errors';

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
}

export interface ProvisionedUser {
  externalId: string;
  username: string;
  /** Null: the username on creation, unchanged on update. */
  displayName: string | null;
}

/** Whether a user may act: there, and not suspended now. */
export type Standing = 'active' | 'suspended' | 'missing';

export interface ProfileChanges {
  displayName?: string;
  allowFriendRequests?: boolean;
  shareReadReceipts?: boolean;
}

export interface NewAvatar {
  contentType: string;
  data: Buffer;
  etag: string;
}

/** What a deleted account shows as its display name. */
export const DELETED_DISPLAY_NAME = 'Deleted user';

/** usernameKey() in SQL: what the unique index holds, compared in byte order. */
const USERNAME_KEY = `lower(u.username COLLATE "C")`;

/** The only code that touches the users module's tables; it joins the ambient transaction. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: TransactionHost) {}

  private get users() {
    return this.db.manager.getRepository(User);
  }

  async insert(user: NewUser): Promise<User> {
    return this.refusingTakenUsernames(() =>
      this.users.save(
        this.users.create({
          ...user,
          usernameSkeleton: usernameSkeleton(user.username),
          avatarEtag: null,
          allowFriendRequests: true,
          lastSeenAt: null,
        }),
      ),
    );
  }

  /**
   * Creates the app's user of that id, or updates their username and display name: one statement,
   * so two calls for one id at once make one user. Answers whether it was created.
   */
  async upsertByExternalId(user: ProvisionedUser): Promise<{ user: User; created: boolean }> {
    return this.db.run(async () => {
      await this.releaseExternalId(user.externalId);
      return this.upsert(user);
    });
  }

  private async upsert(user: ProvisionedUser): Promise<{ user: User; created: boolean }> {
    const rows: { id: number; created: boolean }[] = await this.refusingTakenUsernames(() =>
      this.users.query(
        `INSERT INTO users (external_id, username, username_skeleton, display_name)
         VALUES ($1, $2, $3, coalesce($4::varchar, $2::varchar))
         ON CONFLICT (external_id) DO UPDATE
           SET username = excluded.username, username_skeleton = excluded.username_skeleton,
               display_name = coalesce($4::varchar, users.display_name)
         RETURNING id, xmax = 0 AS created`,
        [user.externalId, user.username, usernameSkeleton(user.username), user.displayName],
      ),
    );
    return { user: (await this.findById(rows[0].id))!, created: rows[0].created };
  }

  findByExternalId(externalId: string): Promise<User | null> {
    return this.users.findOneBy({ externalId });
  }

  /**
   * Creates the user of that externalId unless one exists (created meanwhile by a concurrent first
   * request): answers it either way.
   */
  async insertExternal(user: ProvisionedUser): Promise<User> {
    await this.refusingTakenUsernames(() =>
      this.users.query(
        `INSERT INTO users (external_id, username, username_skeleton, display_name)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (external_id) DO NOTHING`,
        [user.externalId, user.username, usernameSkeleton(user.username), user.displayName],
      ),
    );
    return (await this.findByExternalId(user.externalId))!;
  }

  /**
   * With `lock`, holds the row (FOR SHARE) until the ambient transaction ends: a suspension or
   * deletion of the user waits for it, and one already under way is waited for and then seen.
   */
  async standing(id: number, lock = false): Promise<Standing> {
    const rows: { suspended: boolean }[] = await this.users.query(
      `SELECT suspended_at IS NOT NULL AND (suspended_until IS NULL OR suspended_until > now())
                AS suspended
         FROM users WHERE id = $1 AND deleted_at IS NULL ${lock ? 'FOR SHARE' : ''}`,
      [id],
    );
    if (rows.length === 0) return 'missing';
    return rows[0].suspended ? 'suspended' : 'active';
  }

  /** Suspends the user (again: the new terms replace the old); false when there is no such user. */
  async suspend(id: number, until: Date | null, reason: string | null): Promise<boolean> {
    const result = await this.users.update(
      { id, deletedAt: IsNull() },
      { suspendedAt: new Date(), suspendedUntil: until, suspensionReason: reason },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Turns the account into a tombstone: nothing of the person stays but their username (until
   * freeUsernames) and their app's id (until the app or its identity provider brings the person
   * back: releaseExternalId). Taking the row lock first, it waits for any session being written
   * (see standing's lock) and makes the ones after it fail. It changes no column a unique index
   * holds, so its lock (FOR NO KEY UPDATE) never waits for, nor blocks, rows being written that
   * refer to the user (a message in flight). False when there is no such account (any more).
   */
  async markDeleted(id: number): Promise<boolean> {
    const rows: unknown[] = await this.users.query(
      `WITH deleted AS (
         UPDATE users
            SET deleted_at = now(), display_name = $2, password_hash = NULL, avatar_etag = NULL,
                suspended_at = NULL, suspended_until = NULL, suspension_reason = NULL,
                allow_friend_requests = false, share_read_receipts = false, last_seen_at = NULL
          WHERE id = $1 AND deleted_at IS NULL
          RETURNING id
       )
       SELECT id FROM deleted`,
      [id, DELETED_DISPLAY_NAME],
    );
    if (rows.length === 0) return false;
    // A statement of its own, after the row lock: an avatar stored by an upload that held the lock
    // first is seen (a part of the statement above would read the table as it was before the wait).
    await this.db.manager.delete(UserAvatar, { userId: id });
    return true;
  }

  /**
   * The deleted account of this app id, if any, lets go of it and of its username: the person
   * comes back as a new user, and may have their name again at once (it was kept from others).
   */
  async releaseExternalId(externalId: string): Promise<void> {
    await this.users.query(
      `UPDATE users SET external_id = NULL, username = 'deleted#' || id, username_skeleton = NULL
        WHERE external_id = $1 AND deleted_at IS NOT NULL`,
      [externalId],
    );
  }

  /** Frees the usernames of accounts deleted more than `graceDays` ago; answers how many. */
  async freeUsernames(graceDays: number): Promise<number> {
    const rows: unknown[] = await this.users.query(
      `WITH freed AS (
         UPDATE users SET username = 'deleted#' || id, username_skeleton = NULL
          WHERE deleted_at <= now() - make_interval(days => $1) AND username NOT LIKE 'deleted#%'
          RETURNING id
       )
       SELECT id FROM freed`,
      [graceDays],
    );
    return rows.length;
  }

  async lift(id: number): Promise<boolean> {
    const result = await this.users.update(
      { id, deletedAt: IsNull() },
      { suspendedAt: null, suspendedUntil: null, suspensionReason: null },
    );
    return (result.affected ?? 0) > 0;
  }

  private async refusingTakenUsernames<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION, 'users_username_lower_key')) {
        throw new UsersError(UsersErrorCode.USERNAME_TAKEN, 'This username is already taken');
      }
      if (isPgError(error, PG_UNIQUE_VIOLATION, 'users_username_skeleton_key')) {
        throw new UsersError(
          UsersErrorCode.USERNAME_TAKEN,
          'This username looks like one already taken (0 and o, 1, l and I, rn and m, vv and w read alike)',
        );
      }
      throw error;
    }
  }

  findById(id: number): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async findByUsername(username: string): Promise<User | null> {
    if (!isPossibleUsername(username)) return null;
    return this.users
      .createQueryBuilder('u')
      .where(`${USERNAME_KEY} = :key`, { key: usernameKey(username) })
      .andWhere('u.deleted_at IS NULL')
      .getOne();
  }

  findByIds(ids: number[]): Promise<User[]> {
    return this.users.findBy({ id: In(ids) });
  }

  async updateProfile(id: number, changes: ProfileChanges): Promise<User | null> {
    const set = Object.fromEntries(
      Object.entries(changes).filter(([, value]) => value !== undefined),
    );
    if (Object.keys(set).length > 0) await this.users.update({ id, deletedAt: IsNull() }, set);
    return this.findById(id);
  }

  async touchLastSeen(id: number): Promise<Date> {
    // Stamped here in whole milliseconds, so the value stored is exactly the value returned.
    const now = new Date();
    await this.users.query(
      'UPDATE users SET last_seen_at = $2 WHERE id = $1 AND deleted_at IS NULL',
      [id, now],
    );
    return now;
  }

  /** Keyset page of users whose username key starts with the key of `prefix`, after `afterKey`. */
  searchByPrefix(prefix: string, afterKey: string | null, limit: number): Promise<User[]> {
    const query = this.users
      .createQueryBuilder('u')
      .where(`${USERNAME_KEY} LIKE :pattern`, { pattern: `${escapeLike(usernameKey(prefix))}%` })
      .andWhere('u.deleted_at IS NULL')
      .orderBy(USERNAME_KEY)
      .limit(limit);
    if (afterKey !== null) query.andWhere(`${USERNAME_KEY} > :afterKey`, { afterKey });
    return query.getMany();
  }

  /**
   * Stores the avatar and points the user at it in one transaction; null once the account is
   * deleted. The user row first, as a deletion takes it, so the two never wait for each other.
   */
  async saveAvatar(userId: number, avatar: NewAvatar): Promise<User | null> {
    return this.db.run(async () => {
      const { affected } = await this.users.update(
        { id: userId, deletedAt: IsNull() },
        { avatarEtag: avatar.etag },
      );
      if (!affected) return null;
      await this.db.manager.upsert(UserAvatar, { userId, ...avatar }, ['userId']);
      return this.users.findOneBy({ id: userId });
    });
  }

  findAvatar(userId: number): Promise<UserAvatar | null> {
    return this.db.manager.findOneBy(UserAvatar, { userId });
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
