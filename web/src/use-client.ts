import { useEffect, useState } from 'preact/hooks';
import type { ChatClient, ChatClientEvents } from '../../sdk/src/index';

/** Re-renders the component whenever the client emits one of `events`. */
export function useClientEvents(client: ChatClient, events: (keyof ChatClientEvents)[]): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const offs = events.map((event) => client.on(event, () => setVersion((v) => v + 1)));
    return () => offs.forEach((off) => off());
  }, [client]);
  return version;
}
