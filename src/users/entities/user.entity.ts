import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';

@Entity({ name: 'users' })
@Index('users_username_lower_key', { synchronize: false })
@Index('users_username_skeleton_key', ['usernameSkeleton'], { unique: true })
@Check(
  'users_username_skeleton_matches',
  `"username_skeleton" IS NULL OR "username_skeleton" = translate(replace(replace(lower("username" COLLATE "C"), 'rn', 'm'), 'vv', 'w'), 'i10', 'llo')`,
)
@Check(
  'users_username_format',
  `"username" ~ '^[A-Za-z0-9_.-]{3,32}$' OR ("deleted_at" IS NOT NULL AND "username" ~ '^deleted#[0-9]+$')`,
)
@Check(
  'users_deleted_holds_nothing',
  `"deleted_at" IS NULL OR ("password_hash" IS NULL AND "avatar_etag" IS NULL)`,
)
// The accounts whose usernames the sweep may free (src/accounts/account-erasure.ts).
@Index('users_deleted_at_idx', ['deletedAt'], { where: '"deleted_at" IS NOT NULL' })
@Check('users_display_name_length', `char_length("display_name") BETWEEN 1 AND 64`)
@Check('users_external_id_length', `char_length("external_id") BETWEEN 1 AND 255`)
@Check(
  'users_suspension',
  `("suspended_at" IS NOT NULL OR ("suspended_until" IS NULL AND "suspension_reason" IS NULL))
   AND char_length("suspension_reason") <= 500`,
)
@Unique('users_external_id_key', ['externalId'])
export class User {
  @PrimaryGeneratedColumn('identity', {
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'users_pkey',
  })
  id!: number;

  /** Unique case-insensitively through the expression index users_username_lower_key. */
  @Column({ type: 'varchar', length: 32 })
  username!: string;

  /**
   * usernameSkeleton(username), unique: no two usernames look alike. Null only for accounts that
   * already looked like an older one when the rule came in.
   */
  @Column({ name: 'username_skeleton', type: 'varchar', length: 32, nullable: true })
  usernameSkeleton!: string | null;

  @Column({ name: 'display_name', type: 'varchar', length: 64 })
  displayName!: string;

  /**
   * argon2id PHC string: algorithm, parameters, the per-user random salt and the hash. Null for a
   * user an app provisioned (externalId): they sign in through the app, never with a password.
   */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  /** The app's own id of this person, for users it provisions through the admin API. */
  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  /** While suspended (since then, until `suspendedUntil` or for good): no login, token or socket. */
  @Column({ name: 'suspended_at', type: 'timestamptz', precision: 3, nullable: true })
  suspendedAt!: Date | null;

  @Column({ name: 'suspended_until', type: 'timestamptz', precision: 3, nullable: true })
  suspendedUntil!: Date | null;

  @Column({ name: 'suspension_reason', type: 'text', nullable: true })
  suspensionReason!: string | null;

  /** ETag of the current avatar in user_avatars, or null when there is none. */
  @Column({ name: 'avatar_etag', type: 'varchar', length: 64, nullable: true })
  avatarEtag!: string | null;

  /** Privacy: when false nobody can send this user friend requests. */
  @Column({ name: 'allow_friend_requests', type: 'boolean', default: true })
  allowFriendRequests!: boolean;

  /** Privacy: when false the user's read marker is shown to no one else and not broadcast. */
  @Column({ name: 'share_read_receipts', type: 'boolean', default: true })
  shareReadReceipts!: boolean;

  /**
   * When the account was deleted: the row stays as a tombstone (messages and direct chats refer to
   * it) that holds nothing of the person but their username, for the grace period, and their app's
   * id, until the app brings the person back as a new user.
   */
  @Column({ name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;

  /** When the user's last socket disconnected. */
  @Column({ name: 'last_seen_at', type: 'timestamptz', precision: 3, nullable: true })
  lastSeenAt!: Date | null;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz', precision: 3 })
  joinedAt!: Date;
}
