import { useEffect, useState } from 'preact/hooks';
import { ChatClient, type ChatClientOptions } from '../../sdk/src/index';
import { Login } from './login';
import { Main } from './main-view';
import { IndexedDbOutbox, savedSession, sharedTokens } from './storage';

function options(username: string): ChatClientOptions {
  return {
    url: location.origin,
    outbox: new IndexedDbOutbox(username),
    sharedTokens: sharedTokens(username),
  };
}

/** Signed out: the login form. Signed in: the chat, on a client that keeps the session going. */
export function App() {
  const [client, setClient] = useState<ChatClient | null>(null);
  const [resuming, setResuming] = useState(() => savedSession.load() !== null);

  const adopt = async (next: ChatClient, username: string) => {
    savedSession.save({ username, tokens: next.tokens });
    next.on('session', (tokens) => savedSession.save({ username, tokens }));
    next.on('session:ended', () => {
      savedSession.clear();
      setClient(null);
    });
    await next.start();
    setClient(next);
  };

  useEffect(() => {
    const saved = savedSession.load();
    if (!saved) return;
    const resumed = ChatClient.resume(options(saved.username), saved.tokens);
    adopt(resumed, saved.username)
      .catch(() => savedSession.clear())
      .finally(() => setResuming(false));
  }, []);

  const signIn = async (username: string, password: string, register: boolean) => {
    const next = register
      ? await ChatClient.register(options(username), username, password)
      : await ChatClient.login(options(username), username, password);
    await adopt(next, username);
  };

  const signOut = async () => {
    if (!client) return;
    await client.rest
      .call(
        'post',
        '/api/v1/auth/logout',
        {},
        { body: { refreshToken: client.tokens.refreshToken } },
      )
      .catch(() => undefined);
    await client.close();
    savedSession.clear();
    setClient(null);
  };

  if (resuming) return <p class="splash">Connecting…</p>;
  return client ? <Main client={client} onSignOut={signOut} /> : <Login onSubmit={signIn} />;
}
