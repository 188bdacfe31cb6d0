import { Injectable } from '@nestjs/common';

/** SQL: how many of `user`'s mentions in `chat` lie after `afterSeq` (each argument an SQL expression). */
export type UnreadMentionsSql = (chat: string, user: string, afterSeq: string) => string;

/**
 * Where chat lists and unread totals get their mention counts. Mentions are rows of the messages
 * module, which chats cannot depend on; MessagesModule hands over the expression as it is built, so
 * the counts stay inside the one query that lists the chats.
 */
@Injectable()
export class UnreadMentions {
  private count: UnreadMentionsSql | null = null;

  provide(count: UnreadMentionsSql): void {
    this.count = count;
  }

  sql(chat: string, user: string, afterSeq: string): string {
    if (!this.count) throw new Error('No module provided the unread mention count');
    return this.count(chat, user, afterSeq);
  }
}
