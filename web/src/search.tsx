import { useState } from 'preact/hooks';
import type { ChatClient, SearchHit } from '../../sdk/src/index';

interface Props {
  client: ChatClient;
  onOpenChat(chatId: number): void;
}

/** Full-text search of my chats; a hit opens its chat. */
export function Search({ client, onOpenChat }: Props) {
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const q = String(new FormData(event.currentTarget as HTMLFormElement).get('q')).trim();
    if (!q) return;
    setError(null);
    try {
      setHits((await client.search(q)).items);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return (
    <div class="search">
      <form role="search" onSubmit={submit}>
        <label class="search-box">
          <span class="visually-hidden">Search messages</span>
          <input name="q" type="search" placeholder="Search messages" maxLength={200} />
        </label>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {hits && hits.length === 0 && <p class="empty">Nothing found.</p>}
      {hits && hits.length > 0 && (
        <ul aria-label="Search results">
          {hits.map((hit) => (
            <li key={hit.message.id}>
              <button type="button" class="hit" onClick={() => onOpenChat(hit.message.chatId)}>
                {/* The server escapes the text and marks the matches: safe to insert as HTML. */}
                <span dangerouslySetInnerHTML={{ __html: hit.highlight }} />
                <time dateTime={hit.message.createdAt}>
                  {new Date(hit.message.createdAt).toLocaleString()}
                </time>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
