import { Injectable } from '@nestjs/common';
import { ChatsService } from '../chats/chats.service';
import { ChatForSend, GateKind } from '../chats/send-gate';
import { SerialByKey } from '../common/concurrency/serial-by-key';
import { TransactionHost } from '../database/transaction-host';

/**
 * Runs an edit or delete of a chat's messages in a transaction that first locks the chat row, as
 * the flushes of sends and reactions do: every change of a chat then takes its revs after the
 * `lastRev` it is handed and commits in rev order. Changes of one chat from this instance take
 * turns before the transaction, so their events leave in the order they committed (a waiting change
 * would only hold a pooled connection meanwhile). Against a flush the order of announcing is not
 * promised: each is announced when its own commit is answered (docs/realtime.md says how clients
 * handle a later rev first).
 */
@Injectable()
export class ChatChanges {
  private readonly turns = new SerialByKey();

  constructor(
    private readonly chats: ChatsService,
    private readonly transactions: TransactionHost,
  ) {}

  run<T>(
    chatId: number,
    userId: number,
    gate: GateKind,
    change: (chat: ChatForSend) => Promise<T>,
  ): Promise<T> {
    return this.turns.run(String(chatId), () =>
      this.transactions.run(async () =>
        change(await this.chats.lockForChange(chatId, userId, gate)),
      ),
    );
  }
}
