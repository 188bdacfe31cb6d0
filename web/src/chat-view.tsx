import { useEffect, useRef, useState } from 'preact/hooks';
import type { Chat, ChatClient, Message } from '../../sdk/src/index';
import { useClientEvents } from './use-client';

const QUICK_REACTIONS = ['👍', '❤', '😂', '🎉'];
const TYPING_SHOWN_MS = 6000;

interface Props {
  client: ChatClient;
  chat: Chat;
  title: string;
  names: Map<number, string>;
  onClose(): void;
}

/** One chat: its messages live, who is typing, and the composer (text, a reply, a photo). */
export function ChatView({ client, chat, title, names, onClose }: Props) {
  useClientEvents(client, ['message', 'chat']);
  const [typing, setTyping] = useState(new Map<number, number>());
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const me = client.user.id;
  const messages = client.messages(chat.id);
  const newest = messages[messages.length - 1];

  useEffect(
    () =>
      client.on('typing', ({ chatId, userId, isTyping }) => {
        if (chatId !== chat.id) return;
        setTyping((current) => {
          const next = new Map(current);
          if (isTyping) next.set(userId, Date.now());
          else next.delete(userId);
          return next;
        });
      }),
    [client, chat.id],
  );

  // Keep the newest message in view, and mark it read while the chat is open.
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
    if (newest && chat.unreadCount > 0) void client.markRead(chat.id, newest.id).catch(() => {});
  }, [newest?.id, newest?.rev]);

  const typers = [...typing]
    .filter(([userId, at]) => userId !== me && Date.now() - at < TYPING_SHOWN_MS)
    .map(([userId]) => names.get(userId) ?? 'Someone');

  const send = async (body: string, attachmentIds?: number[]) => {
    setError(null);
    client.typing(chat.id, false);
    const options = {
      ...(replyTo ? { replyToId: replyTo.id } : {}),
      ...(attachmentIds ? { attachmentIds } : {}),
    };
    setReplyTo(null);
    try {
      await client.send(chat.id, body, options);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const attach = async (file: File) => {
    try {
      const upload = await client.upload(file, file.name);
      await send('', [upload.id]);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return (
    <section class="chat" aria-label={title}>
      <header class="chat-header">
        <button type="button" class="back" onClick={onClose} aria-label="Back to chats">
          ←
        </button>
        <h2>{title}</h2>
        <p class="typing" aria-live="polite">
          {typers.length > 0 && `${typers.join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…`}
        </p>
      </header>
      <ol class="messages" ref={list} aria-label="Messages">
        {messages.map((message) => (
          <Bubble
            key={message.id}
            message={message}
            mine={message.senderId === me}
            author={names.get(message.senderId) ?? ''}
            onReply={() => setReplyTo(message)}
            onReact={(emoji, on) => void client.react(chat.id, message.id, emoji, on)}
          />
        ))}
      </ol>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <Composer
        replyTo={replyTo}
        onCancelReply={() => setReplyTo(null)}
        onType={() => client.typing(chat.id)}
        onSend={(body) => void send(body)}
        onAttach={(file) => void attach(file)}
      />
    </section>
  );
}

interface BubbleProps {
  message: Message;
  mine: boolean;
  author: string;
  onReply(): void;
  onReact(emoji: string, on: boolean): void;
}

function Bubble({ message, mine, author, onReply, onReact }: BubbleProps) {
  const deleted = message.deletedAt !== null;
  const time = new Date(message.createdAt).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
  });
  return (
    <li class={`bubble ${mine ? 'mine' : ''} ${deleted ? 'deleted' : ''}`} data-seq={message.seq}>
      {!mine && author && <span class="author">{author}</span>}
      {message.replyTo && (
        <blockquote class="reply-preview">{message.replyTo.body ?? 'Message deleted'}</blockquote>
      )}
      {message.attachments.map((file) =>
        file.thumbnailUrl ? (
          <a key={file.id} href={file.url} target="_blank" rel="noreferrer">
            <img
              class="photo"
              src={file.thumbnailUrl}
              alt={file.name}
              width={file.width ?? undefined}
              height={file.height ?? undefined}
            />
          </a>
        ) : (
          <a key={file.id} href={file.url} download={file.name}>
            📎 {file.name}
          </a>
        ),
      )}
      {deleted ? (
        <p class="body">
          {message.deletedBy !== null && message.deletedBy !== message.senderId
            ? 'Removed by a group admin'
            : 'Message deleted'}
        </p>
      ) : (
        message.body && <p class="body">{message.body}</p>
      )}
      <footer>
        <time dateTime={message.createdAt}>{time}</time>
        {message.editedAt && !deleted && <span> · edited</span>}
      </footer>
      {!deleted && (
        <div class="reactions">
          {message.reactions.map((r) => (
            <button
              type="button"
              key={r.emoji}
              class="reaction"
              aria-pressed={r.me}
              aria-label={`${r.emoji} ${r.count}`}
              onClick={() => onReact(r.emoji, !r.me)}
            >
              {r.emoji} {r.count}
            </button>
          ))}
          <span class="actions">
            {QUICK_REACTIONS.filter((e) => !message.reactions.some((r) => r.emoji === e)).map(
              (emoji) => (
                <button
                  type="button"
                  key={emoji}
                  class="add-reaction"
                  aria-label={`React ${emoji}`}
                  onClick={() => onReact(emoji, true)}
                >
                  {emoji}
                </button>
              ),
            )}
            <button type="button" class="link" onClick={onReply}>
              Reply
            </button>
          </span>
        </div>
      )}
    </li>
  );
}

interface ComposerProps {
  replyTo: Message | null;
  onCancelReply(): void;
  onType(): void;
  onSend(body: string): void;
  onAttach(file: File): void;
}

function Composer({ replyTo, onCancelReply, onType, onSend, onAttach }: ComposerProps) {
  const [text, setText] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    onSend(body);
    setText('');
  };
  return (
    <form class="composer" onSubmit={submit}>
      {replyTo && (
        <p class="replying">
          Replying to “{replyTo.body?.slice(0, 80) ?? 'a deleted message'}”
          <button type="button" class="link" onClick={onCancelReply} aria-label="Cancel the reply">
            ×
          </button>
        </p>
      )}
      <label class="attach" title="Send a photo">
        <span aria-hidden="true">📷</span>
        <span class="visually-hidden">Send a photo</span>
        <input
          type="file"
          accept="image/*"
          onChange={(event) => {
            const input = event.currentTarget;
            const file = input.files?.[0];
            if (file) onAttach(file);
            input.value = '';
          }}
        />
      </label>
      <input
        class="text"
        aria-label="Message"
        placeholder="Message"
        value={text}
        maxLength={4000}
        onInput={(event) => {
          setText(event.currentTarget.value);
          onType();
        }}
      />
      <button type="submit" disabled={!text.trim()}>
        Send
      </button>
    </form>
  );
}
