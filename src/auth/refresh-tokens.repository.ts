import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { TransactionHost } from '../database/transaction-host';
import { RefreshToken } from './entities/refresh-token.entity';

export interface NewRefreshToken {
  userId: number;
  familyId: string;
  tokenHash: Buffer;
  expiresAt: Date;
}

/** The only code that touches the refresh tokens table; it joins the ambient transaction. */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly db: TransactionHost) {}

  private get tokens() {
    return this.db.manager.getRepository(RefreshToken);
  }

  async insert(token: NewRefreshToken): Promise<void> {
    await this.tokens.insert(token);
  }

  /**
   * Uses up a live token and issues its successor in one statement, so two concurrent refreshes
   * with the same token cannot both succeed. Returns the user id, or null when nothing was live.
   */
  async rotate(
    tokenHash: Buffer,
    next: Omit<NewRefreshToken, 'userId' | 'familyId'>,
  ): Promise<number | null> {
    const rows: { user_id: number }[] = await this.tokens.query(
      `WITH used AS (
         UPDATE refresh_tokens SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          RETURNING user_id, family_id
       )
       INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
       SELECT user_id, family_id, $2, $3 FROM used
       RETURNING user_id`,
      [tokenHash, next.tokenHash, next.expiresAt],
    );
    return rows[0]?.user_id ?? null;
  }

  findByHash(tokenHash: Buffer): Promise<RefreshToken | null> {
    return this.tokens.findOneBy({ tokenHash });
  }

  /** Ends every session of the user. */
  async revokeAllOf(userId: number): Promise<void> {
    await this.tokens.update({ userId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.tokens.update({ familyId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }
}
