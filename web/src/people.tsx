import { useEffect, useState } from 'preact/hooks';
import type { ChatClient, components } from '../../sdk/src/index';
import { useClientEvents } from './use-client';

type User = components['schemas']['UserResponseDto'];
type FriendRequest = components['schemas']['FriendRequestResponseDto'];
type Friend = components['schemas']['FriendResponseDto'];

interface Props {
  client: ChatClient;
  online(userId: number): boolean;
  onOpenChat(chatId: number): void;
}

/**
 * Find people by username, answer friend requests, open a direct chat with a friend or start a
 * group of friends.
 */
export function People({ client, online, onOpenChat }: Props) {
  const changed = useClientEvents(client, ['chat', 'friends']);
  useClientEvents(client, ['presence']);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<User[]>([]);
  const [requests, setRequests] = useState<FriendRequest[]>([]);
  const [friends, setFriends] = useState<Friend[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const me = client.user.id;

  useEffect(() => {
    void client.rest
      .call('get', '/api/v1/friend-requests', {}, { query: { status: 'pending' } })
      .then(
        (page) => setRequests(page.items),
        () => setRequests([]),
      );
    void client.rest.call('get', '/api/v1/friends', {}, { query: { limit: 100 } }).then(
      (page) => setFriends(page.items),
      () => setFriends([]),
    );
  }, [version, changed]);

  useEffect(() => {
    const q = query.trim();
    if (q.length === 0) return setFound([]);
    const timer = setTimeout(() => {
      void client.rest.call('get', '/api/v1/users', {}, { query: { q, limit: 20 } }).then(
        (page) => setFound(page.items.filter((user) => user.id !== me)),
        () => setFound([]),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [query]);

  const act = async (work: () => Promise<unknown>, done: string) => {
    setNote(null);
    try {
      await work();
      setNote(done);
      setVersion((v) => v + 1);
    } catch (failure) {
      setNote(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const message = (userId: number) =>
    act(async () => onOpenChat((await client.openDirect(userId)).id), 'Chat opened');

  const createGroup = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name')).trim();
    const memberIds = data.getAll('member').map(Number);
    await act(async () => {
      const chat = await client.createGroup(name, memberIds);
      form.reset();
      onOpenChat(chat.id);
    }, `Group ${name} created`);
  };

  const incoming = requests.filter((r) => r.toUserId === me);
  const outgoing = requests.filter((r) => r.fromUserId === me);
  const friendIds = new Set(friends.map((f) => f.user.id));

  return (
    <div class="people">
      <label class="search-box">
        <span class="visually-hidden">Find people by username</span>
        <input
          type="search"
          placeholder="Find people by username"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      </label>
      {note && <p role="status">{note}</p>}
      {found.length > 0 && (
        <ul aria-label="People found">
          {found.map((user) => (
            <li key={user.id} class="person">
              <span>
                {user.displayName} <small>@{user.username}</small>
              </span>
              {friendIds.has(user.id) ? (
                <button type="button" onClick={() => void message(user.id)}>
                  Message
                </button>
              ) : (
                <button
                  type="button"
                  onClick={() =>
                    void act(
                      () =>
                        client.rest.call(
                          'post',
                          '/api/v1/friend-requests',
                          {},
                          {
                            body: { toUserId: user.id },
                          },
                        ),
                      `Friend request sent to ${user.displayName}`,
                    )
                  }
                >
                  Add friend
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {incoming.length > 0 && (
        <section aria-label="Friend requests">
          <h3>Friend requests</h3>
          <ul>
            {incoming.map((request) => (
              <li key={request.id} class="person">
                <span>
                  {request.fromUser.displayName} <small>@{request.fromUser.username}</small>
                </span>
                <button
                  type="button"
                  onClick={() =>
                    void act(
                      () =>
                        client.rest.call('post', '/api/v1/friend-requests/{requestId}/accept', {
                          requestId: request.id,
                        }),
                      `You and ${request.fromUser.displayName} are friends`,
                    )
                  }
                >
                  Accept
                </button>
                <button
                  type="button"
                  class="link"
                  onClick={() =>
                    void act(
                      () =>
                        client.rest.call('post', '/api/v1/friend-requests/{requestId}/reject', {
                          requestId: request.id,
                        }),
                      'Request declined',
                    )
                  }
                >
                  Decline
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {outgoing.length > 0 && (
        <section aria-label="Requests I sent">
          <h3>Waiting for an answer</h3>
          <ul>
            {outgoing.map((request) => (
              <li key={request.id} class="person">
                <span>{request.toUser.displayName}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Friends">
        <h3>Friends</h3>
        {friends.length === 0 && <p class="empty">No friends yet.</p>}
        <ul>
          {friends.map(({ user }) => (
            <li key={user.id} class="person">
              <span>
                <Presence online={online(user.id)} />
                {user.displayName} <small>@{user.username}</small>
              </span>
              <button type="button" onClick={() => void message(user.id)}>
                Message
              </button>
            </li>
          ))}
        </ul>
      </section>
      {friends.length > 0 && (
        <section aria-label="New group">
          <h3>New group</h3>
          <form class="new-group" onSubmit={(event) => void createGroup(event)}>
            <label>
              <span class="visually-hidden">Group name</span>
              <input name="name" placeholder="Group name" required maxLength={100} />
            </label>
            <fieldset>
              <legend class="visually-hidden">Members</legend>
              {friends.map(({ user }) => (
                <label key={user.id} class="member">
                  <input type="checkbox" name="member" value={user.id} /> {user.displayName}
                </label>
              ))}
            </fieldset>
            <button type="submit">Create group</button>
          </form>
        </section>
      )}
    </div>
  );
}

/** A dot: green while the person has a connected device. */
export function Presence({ online }: { online: boolean }) {
  return (
    <span
      class={`presence ${online ? 'online' : ''}`}
      role="img"
      aria-label={online ? 'online' : 'offline'}
    />
  );
}
