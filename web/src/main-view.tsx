import { useEffect, useState } from 'preact/hooks';
import type { Chat, ChatClient } from '../../sdk/src/index';
import { ChatView } from './chat-view';
import { People, Presence } from './people';
import { Search } from './search';
import { useClientEvents } from './use-client';

type Panel = 'chats' | 'people' | 'search';

interface Props {
  client: ChatClient;
  onSignOut(): void;
}

export function chatTitle(chat: Chat, myId: number, names: Map<number, string>): string {
  if (chat.type === 'group') return chat.name ?? 'Group';
  const other = chat.participants.find((p) => p.userId !== myId);
  return (other && names.get(other.userId)) ?? chat.name ?? 'Direct chat';
}

/** The signed-in app: the chat list (or people, or search) beside the open chat. */
export function Main({ client, onSignOut }: Props) {
  useClientEvents(client, ['chat', 'chat:removed', 'connection', 'presence']);
  const [panel, setPanel] = useState<Panel>('chats');
  const [openId, setOpenId] = useState<number | null>(null);
  const [names, setNames] = useState(new Map<number, string>());
  const online = (userId: number) => client.presence(userId)?.online ?? false;
  const me = client.user;
  const chats = client.chats();

  // Direct chats are shown by the other person's name.
  useEffect(() => {
    const missing = new Set<number>();
    for (const chat of chats) {
      for (const p of chat.participants) if (!names.has(p.userId)) missing.add(p.userId);
    }
    if (missing.size === 0) return;
    void Promise.all(
      [...missing].map((userId) =>
        client.rest.call('get', '/api/v1/users/{userId}', { userId }).catch(() => null),
      ),
    ).then((users) => {
      const next = new Map(names);
      for (const user of users) if (user) next.set(user.id, user.displayName);
      setNames(next);
    });
  }, [chats.length]);

  const open = (chatId: number) => {
    setOpenId(chatId);
    setPanel('chats');
  };
  const openChat = openId === null ? undefined : client.chat(openId);

  return (
    <div class={`shell ${openChat ? 'chat-open' : ''}`}>
      <aside class="sidebar" aria-label="Chats and people">
        <header class="me">
          <span class="avatar" aria-hidden="true">
            {me.displayName.slice(0, 1).toUpperCase()}
          </span>
          <span class="who">
            <strong>{me.displayName}</strong>
            <small>@{me.username}</small>
          </span>
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </header>
        {!client.connected && (
          <p class="banner" role="status">
            Reconnecting…
          </p>
        )}
        <nav class="tabs" aria-label="Sections">
          {(['chats', 'people', 'search'] as Panel[]).map((name) => (
            <button
              type="button"
              key={name}
              aria-pressed={panel === name}
              onClick={() => setPanel(name)}
            >
              {name[0].toUpperCase() + name.slice(1)}
            </button>
          ))}
        </nav>
        {panel === 'chats' && (
          <ul class="chat-list" aria-label="My chats">
            {chats.length === 0 && <li class="empty">No chats yet: find people to talk to.</li>}
            {chats.map((chat) => (
              <li key={chat.id}>
                <button
                  type="button"
                  class="chat-item"
                  aria-current={chat.id === openId}
                  onClick={() => open(chat.id)}
                >
                  <span class="title">
                    {chat.type === 'direct' && (
                      <Presence
                        online={chat.participants.some(
                          (p) => p.userId !== me.id && online(p.userId),
                        )}
                      />
                    )}
                    {chatTitle(chat, me.id, names)}
                  </span>
                  <span class="preview">
                    {chat.lastMessage
                      ? (chat.lastMessage.body ??
                        (chat.lastMessage.deletedAt ? 'Message deleted' : ''))
                      : 'No messages yet'}
                    {chat.lastMessage && chat.lastMessage.attachmentCount > 0 && ' 📎 Photo'}
                  </span>
                  {chat.unreadCount > 0 && (
                    <span class="badge" aria-label={`${chat.unreadCount} unread`}>
                      {chat.unreadMentionCount > 0 ? '@ ' : ''}
                      {chat.unreadCount}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        )}
        {panel === 'people' && <People client={client} online={online} onOpenChat={open} />}
        {panel === 'search' && <Search client={client} onOpenChat={open} />}
      </aside>
      <main class="conversation">
        {openChat ? (
          <ChatView
            key={openChat.id}
            client={client}
            chat={openChat}
            title={chatTitle(openChat, me.id, names)}
            names={names}
            onClose={() => setOpenId(null)}
          />
        ) : (
          <p class="placeholder">Pick a chat, or find people to talk to.</p>
        )}
      </main>
    </div>
  );
}
