import { Injectable } from '@nestjs/common';
import { isPgError, PG_UNIQUE_VIOLATION } from '../database/pg-errors';
import { TransactionHost } from '../database/transaction-host';
import { REPLY_PREVIEW_LENGTH } from './dto/reply-preview.dto';
import { Message } from './entities/message.entity';
import { MessageView, ReactionSummary, ReplyPreview } from './message-view';
import { ReactedMessage } from './reaction-plan';

export interface OwnMessageExport {
  id: number;
  chatId: number;
  seq: number;
  body: string | null;
  replyToId: number | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
}

export interface NewMessage {
  chatId: number;
  seq: number;
  rev: number;
  senderId: number;
  body: string;
  clientMessageId: string | null;
  replyToId: number | null;
  attachmentCount: number;
}

/** What the database assigns to a new message. */
export interface InsertedMessage {
  id: number;
  createdAt: Date;
}

export interface ClientMessageKey {
  chatId: number;
  senderId: number;
  clientMessageId: string;
}

export type HistoryBound = { before: number } | { after: number };

export interface SearchScope {
  /** The text search configuration of the index. */
  config: string;
  /** Only this chat, when given. */
  chatId: number | null;
  /** Only messages older than this id (the keyset of the previous page). */
  beforeId: number | null;
  limit: number;
}

export interface SearchHitView extends MessageView {
  highlight: string;
}

/** The unique index of (chat, sender, clientMessageId): a send's idempotency key. */
const CLIENT_MESSAGE_ID_INDEX = 'messages_client_message_id_key';

/** ts_headline's options: short fragments, matched words in <mark> (the text is escaped first). */
const HEADLINE_OPTIONS =
  'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "';

interface MessageRow {
  id: number;
  chat_id: number;
  seq: number;
  rev: number;
  sender_id: number;
  body: string | null;
  client_message_id: string | null;
  reply_to_id: number | null;
  attachment_count: number;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  deleted_by: number | null;
}

interface MessageViewRow extends MessageRow {
  reply_seq: number | null;
  reply_sender_id: number | null;
  reply_body: string | null;
  reply_deleted_at: Date | null;
  reactions: ReactionSummary[] | null;
  mentions: number[];
}

const MESSAGE_COLUMNS = `m.id, m.chat_id, m.seq, m.rev, m.sender_id, m.body, m.client_message_id, m.reply_to_id,
  m.attachment_count, m.created_at, m.edited_at, m.deleted_at, m.deleted_by`;

/**
 * A message as readers see it, in one statement for a whole page: the preview of what it replies
 * to (a join), its reactions counted from their rows and its mentions (an index probe each per
 * message), with `me` for the reader `reader` (an SQL expression: `$1`, or `m.sender_id` for a sender's resends).
 * `source` is what the messages `m` come from, when a join must precede the reactions' lateral.
 */
const view = (
  reader: string,
  extraColumns = '',
  source = 'messages m',
) => `SELECT ${MESSAGE_COLUMNS},
    t.seq AS reply_seq, t.sender_id AS reply_sender_id, left(t.body, ${REPLY_PREVIEW_LENGTH}) AS reply_body,
    t.deleted_at AS reply_deleted_at, r.reactions,
    ARRAY(SELECT mm.user_id FROM message_mentions mm
           WHERE mm.message_id = m.id AND mm.chat_id = m.chat_id ORDER BY mm.user_id)
      AS mentions${extraColumns}
  FROM ${source}
  LEFT JOIN messages t ON t.chat_id = m.chat_id AND t.id = m.reply_to_id
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('emoji', x.emoji, 'count', x.n, 'me', x.me)
                    ORDER BY x.n DESC, x.emoji COLLATE "C") AS reactions
      FROM (SELECT emoji, count(*)::int AS n, bool_or(user_id = ${reader}) AS me
              FROM message_reactions WHERE message_id = m.id GROUP BY emoji) x
  ) r ON true`;

function fromRow(row: MessageRow): Message {
  return {
    id: row.id,
    chatId: row.chat_id,
    seq: row.seq,
    rev: row.rev,
    senderId: row.sender_id,
    body: row.body,
    clientMessageId: row.client_message_id,
    replyToId: row.reply_to_id,
    attachmentCount: row.attachment_count,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    deletedBy: row.deleted_by,
  };
}

function fromViewRow(row: MessageViewRow): MessageView {
  const replyTo: ReplyPreview | null =
    row.reply_to_id === null
      ? null
      : {
          id: row.reply_to_id,
          seq: row.reply_seq!,
          senderId: row.reply_sender_id!,
          body: row.reply_body,
          deletedAt: row.reply_deleted_at,
        };
  return { ...fromRow(row), replyTo, reactions: row.reactions ?? [], mentions: row.mentions };
}

/** The only code that touches the messages table; it joins the ambient transaction. */
@Injectable()
export class MessagesRepository {
  constructor(private readonly db: TransactionHost) {}

  private get manager() {
    return this.db.manager;
  }

  private async view(viewerId: number, rest: string, params: unknown[]): Promise<MessageView[]> {
    const rows: MessageViewRow[] = await this.manager.query(`${view('$1')} ${rest}`, [
      viewerId,
      ...params,
    ]);
    return rows.map(fromViewRow);
  }

  /**
   * The send path: one INSERT for a whole batch, from arrays (a fixed statement, whatever the batch
   * size), RETURNING what the database assigns, in array order; no re-select. Rows go in in array
   * order, so within a chat ids grow with seq. Null when a row collided with a stored one (a
   * resend): the transaction is then aborted, and the caller rolls back and looks the resends up
   * first.
   */
  async insertMany(messages: NewMessage[]): Promise<InsertedMessage[] | null> {
    try {
      return await this.db.prepared<InsertedMessage>(
        `INSERT INTO messages (chat_id, seq, rev, sender_id, body, client_message_id, reply_to_id, attachment_count)
         SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::varchar[], $7::bigint[], $8::smallint[])
         RETURNING id, created_at AS "createdAt"`,
        [
          messages.map((m) => m.chatId),
          messages.map((m) => m.seq),
          messages.map((m) => m.rev),
          messages.map((m) => m.senderId),
          messages.map((m) => m.body),
          messages.map((m) => m.clientMessageId),
          messages.map((m) => m.replyToId),
          messages.map((m) => m.attachmentCount),
        ],
      );
    } catch (error) {
      // A plain INSERT: ON CONFLICT's speculative insertion costs every row for a rare resend.
      if (isPgError(error, PG_UNIQUE_VIOLATION, CLIENT_MESSAGE_ID_INDEX)) return null;
      throw error;
    }
  }

  /**
   * Messages already stored under these (chat, sender, clientMessageId) keys, as their senders see
   * them: one join against the keys as arrays, so a batch of any size is one cheap statement.
   */
  async findByClientMessageIds(keys: ClientMessageKey[]): Promise<MessageView[]> {
    if (keys.length === 0) return [];
    const rows: MessageViewRow[] = await this.manager.query(
      `${view('m.sender_id')}
         JOIN unnest($1::int[], $2::int[], $3::varchar[]) AS k(chat_id, sender_id, client_message_id)
           ON m.chat_id = k.chat_id AND m.sender_id = k.sender_id AND m.client_message_id = k.client_message_id`,
      [keys.map((k) => k.chatId), keys.map((k) => k.senderId), keys.map((k) => k.clientMessageId)],
    );
    return rows.map(fromViewRow);
  }

  /** What replies to these messages would show of them: only messages of the chat given. */
  async findReplyTargets(
    chatIds: number[],
    ids: number[],
  ): Promise<(ReplyPreview & { chatId: number })[]> {
    const rows: Pick<MessageRow, 'id' | 'chat_id' | 'seq' | 'sender_id' | 'body' | 'deleted_at'>[] =
      await this.manager.query(
        `SELECT t.id, t.chat_id, t.seq, t.sender_id, left(t.body, ${REPLY_PREVIEW_LENGTH}) AS body, t.deleted_at
           FROM unnest($1::int[], $2::bigint[]) AS k(chat_id, id)
           JOIN messages t ON t.chat_id = k.chat_id AND t.id = k.id`,
        [chatIds, ids],
      );
    return rows.map((row) => ({
      id: row.id,
      chatId: row.chat_id,
      seq: row.seq,
      senderId: row.sender_id,
      body: row.body,
      deletedAt: row.deleted_at,
    }));
  }

  /** A page of the user's own messages after `afterId`, oldest first, for their export. */
  ownMessages(senderId: number, afterId: number, limit: number): Promise<OwnMessageExport[]> {
    return this.manager.query(
      `SELECT id, chat_id AS "chatId", seq, body, reply_to_id AS "replyToId",
              created_at AS "createdAt", edited_at AS "editedAt", deleted_at AS "deletedAt"
         FROM messages WHERE sender_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [senderId, afterId, limit],
    );
  }

  async findInChat(chatId: number, id: number): Promise<Message | null> {
    const rows: MessageRow[] = await this.manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.chat_id = $1 AND m.id = $2`,
      [chatId, id],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /**
   * A keyset page on (chat_id, id): `before` walks back newest first, `after` walks forward oldest
   * first. Costs the same at any depth of the chat.
   */
  listPage(
    chatId: number,
    bound: HistoryBound | null,
    limit: number,
    viewerId: number,
  ): Promise<MessageView[]> {
    if (bound && 'after' in bound) {
      return this.view(viewerId, 'WHERE m.chat_id = $2 AND m.id > $3 ORDER BY m.id LIMIT $4', [
        chatId,
        bound.after,
        limit,
      ]);
    }
    if (bound) {
      return this.view(viewerId, 'WHERE m.chat_id = $2 AND m.id < $3 ORDER BY m.id DESC LIMIT $4', [
        chatId,
        bound.before,
        limit,
      ]);
    }
    return this.view(viewerId, 'WHERE m.chat_id = $2 ORDER BY m.id DESC LIMIT $3', [chatId, limit]);
  }

  /** Messages after a seq, oldest first: the (chat_id, seq) unique index serves it. */
  listAfterSeq(
    chatId: number,
    afterSeq: number,
    limit: number,
    viewerId: number,
  ): Promise<MessageView[]> {
    return this.view(viewerId, 'WHERE m.chat_id = $2 AND m.seq > $3 ORDER BY m.seq LIMIT $4', [
      chatId,
      afterSeq,
      limit,
    ]);
  }

  /** Messages changed after a rev, in rev order: the (chat_id, rev) unique index serves it. */
  listAfterRev(
    chatId: number,
    afterRev: number,
    limit: number,
    viewerId: number,
  ): Promise<MessageView[]> {
    return this.view(viewerId, 'WHERE m.chat_id = $2 AND m.rev > $3 ORDER BY m.rev LIMIT $4', [
      chatId,
      afterRev,
      limit,
    ]);
  }

  /**
   * Full-text search, newest first, in one statement: the GIN index finds the candidates, deleted
   * messages and chats the reader is not in (`isMember`, SQL over `s.chat_id` and `$1`) are left
   * out before the limit, and only the page's rows are read in full and highlighted.
   */
  async search(
    readerId: number,
    text: string,
    scope: SearchScope,
    isMember: string,
  ): Promise<SearchHitView[]> {
    // The query is written out where it is used (no CTE): the planner folds it into a constant and
    // estimates from the column's statistics how many messages match, so a rare word is looked up in
    // the GIN index and a common one read newest first until the page is full.
    const query = `websearch_to_tsquery('${scope.config}'::regconfig, $2)`;
    const conditions = [`s.search_vector @@ ${query}`, 's.deleted_at IS NULL', isMember];
    const params: unknown[] = [readerId, text, scope.limit];
    if (scope.chatId !== null) {
      params.push(scope.chatId);
      conditions.push(`s.chat_id = $${params.length}`);
    }
    if (scope.beforeId !== null) {
      params.push(scope.beforeId);
      conditions.push(`s.id < $${params.length}`);
    }
    const escaped = [
      ['<', '&lt;'],
      ['>', '&gt;'],
      ['"', '&quot;'],
      ["'", '&#39;'],
    ].reduce(
      (sql, [from, to]) => `replace(${sql}, '${from.replace("'", "''")}', '${to}')`,
      `replace(m.body, '&', '&amp;')`,
    );
    // The row past the page only tells that another page exists: it is not highlighted.
    const highlight = `, CASE WHEN hit.n <= $3 - 1 THEN ts_headline('${scope.config}'::regconfig, ${escaped}, ${query}, '${HEADLINE_OPTIONS}') ELSE '' END AS highlight`;
    const rows: (MessageViewRow & { highlight: string })[] = await this.manager.query(
      `WITH hit AS (
         SELECT s.id, row_number() OVER (ORDER BY s.id DESC) AS n
           FROM messages s WHERE ${conditions.join(' AND ')}
          ORDER BY s.id DESC LIMIT $3
       )
       ${view('$1', highlight)}
       JOIN hit ON hit.id = m.id
       ORDER BY m.id DESC`,
      params,
    );
    return rows.map((row) => ({ ...fromViewRow(row), highlight: row.highlight }));
  }

  /**
   * Inside a search's transaction: its statements are cancelled after `timeoutMs`. Returns whether
   * the query names a word to find: not when it has none (`!!!`) or only words to leave out
   * (`-lunch`), which the index cannot serve.
   */
  async prepareSearch(config: string, text: string, timeoutMs: number): Promise<boolean> {
    const rows: { searchable: boolean }[] = await this.manager.query(
      `SELECT set_config('statement_timeout', $1, true),
              querytree(websearch_to_tsquery('${config}'::regconfig, $2)) NOT IN ('', 'T') AS searchable`,
      [String(timeoutMs), text],
    );
    return rows[0].searchable;
  }

  /** The text search configuration search_vector was built with, as the database has it. */
  async searchVectorExpression(): Promise<string | null> {
    const rows: { expression: string }[] = await this.manager.query(
      `SELECT pg_get_expr(d.adbin, d.adrelid) AS expression
         FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = 'messages'::regclass AND a.attname = 'search_vector'`,
    );
    return rows[0]?.expression ?? null;
  }

  // A statement that changes rows is wrapped as `WITH changed AS (...) SELECT`: TypeORM answers a
  // bare UPDATE or DELETE with [rows, count] instead of the rows.

  /**
   * Edits messages, each with its new body and rev (the caller holds their chats' locks and found
   * them not deleted). Stamped with clock_timestamp(), the moment the row lock is held, not now()
   * (the transaction's start): changes commit in lock order, so their stamps follow it too.
   */
  async editMany(edits: { id: number; body: string; rev: number }[]): Promise<void> {
    if (edits.length === 0) return;
    await this.manager.query(
      `UPDATE messages m SET body = v.body, edited_at = clock_timestamp(), rev = v.rev
         FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS v(id, body, rev)
        WHERE m.id = v.id`,
      [edits.map((e) => e.id), edits.map((e) => e.body), edits.map((e) => e.rev)],
    );
  }

  /**
   * Keeps each message's place in history but drops its body, its reactions, its mentions and its
   * attachments (the caller detaches the files), and says who deleted it.
   */
  async tombstoneMany(deletes: { id: number; rev: number; deletedBy: number }[]): Promise<void> {
    if (deletes.length === 0) return;
    await this.manager.query(
      `WITH reactions AS (DELETE FROM message_reactions WHERE message_id = ANY($1::bigint[])),
       mentions AS (DELETE FROM message_mentions WHERE message_id = ANY($1::bigint[]))
       UPDATE messages m
          SET body = NULL, attachment_count = 0, deleted_at = clock_timestamp(),
              deleted_by = v.deleted_by, rev = v.rev
         FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS v(id, rev, deleted_by)
        WHERE m.id = v.id`,
      [deletes.map((d) => d.id), deletes.map((d) => d.rev), deletes.map((d) => d.deletedBy)],
    );
  }

  /** The replies to these messages (targets given by chat and id), by ascending id. */
  async findReplies(
    chatIds: number[],
    targetIds: number[],
  ): Promise<{ id: number; replyToId: number }[]> {
    if (targetIds.length === 0) return [];
    return this.manager.query(
      `SELECT m.id, m.reply_to_id AS "replyToId"
         FROM unnest($1::int[], $2::bigint[]) AS k(chat_id, id)
         JOIN messages m ON m.chat_id = k.chat_id AND m.reply_to_id = k.id
        ORDER BY m.id`,
      [chatIds, targetIds],
    );
  }

  /** These messages (named by chat and id), as stored now. */
  async findInChats(chatIds: number[], ids: number[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const rows: MessageRow[] = await this.manager.query(
      `SELECT ${MESSAGE_COLUMNS}
         FROM unnest($1::int[], $2::bigint[]) AS k(chat_id, id)
         JOIN messages m ON m.chat_id = k.chat_id AND m.id = k.id`,
      [chatIds, ids],
    );
    return rows.map(fromRow);
  }

  /** Each message as its own reader sees it (`readers[i]` reads `ids[i]`). */
  async viewsFor(ids: number[], readers: number[]): Promise<MessageView[]> {
    if (ids.length === 0) return [];
    const rows: MessageViewRow[] = await this.manager.query(
      view(
        'k.reader_id',
        '',
        'unnest($1::bigint[], $2::int[]) AS k(id, reader_id) JOIN messages m ON m.id = k.id',
      ),
      [ids, readers],
    );
    return rows.map(fromViewRow);
  }

  /** What a reaction needs of the messages it names (those of the chats given only). */
  async findReacted(chatIds: number[], ids: number[]): Promise<ReactedMessage[]> {
    const rows: { id: number; chat_id: number; rev: number; deleted: boolean }[] =
      await this.manager.query(
        `SELECT m.id, m.chat_id, m.rev, m.deleted_at IS NOT NULL AS deleted
           FROM unnest($1::int[], $2::bigint[]) AS k(chat_id, id)
           JOIN messages m ON m.chat_id = k.chat_id AND m.id = k.id`,
        [chatIds, ids],
      );
    return rows.map((row) => ({
      id: row.id,
      chatId: row.chat_id,
      rev: row.rev,
      deleted: row.deleted,
    }));
  }

  /** Each message's rev moves to that of its latest change. */
  async setRevs(revs: Map<number, number>): Promise<void> {
    if (revs.size === 0) return;
    await this.manager.query(
      `UPDATE messages m SET rev = v.rev FROM unnest($1::bigint[], $2::bigint[]) AS v(id, rev)
        WHERE m.id = v.id`,
      [[...revs.keys()], [...revs.values()]],
    );
  }
}
