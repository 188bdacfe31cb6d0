import { Injectable } from '@nestjs/common';

type Hook = (chatId: number) => Promise<void>;

/**
 * What other modules do inside the transaction that deletes a chat (its last member left), before
 * the chat's rows go: a module that holds rows pointing at the chat's messages releases them here,
 * as chats cannot depend on the modules that depend on it.
 */
@Injectable()
export class ChatDeletionHooks {
  private readonly hooks: Hook[] = [];

  register(hook: Hook): void {
    this.hooks.push(hook);
  }

  async run(chatId: number): Promise<void> {
    for (const hook of this.hooks) await hook(chatId);
  }
}
