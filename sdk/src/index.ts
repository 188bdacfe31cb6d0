export { ChatClient } from './chat-client.js';
export type {
  ChatClientEvents,
  ChatClientOptions,
  FriendRequestEvent,
  OutboxState,
  Presence,
  SendOptions,
} from './chat-client.js';
export { ChatState } from './chat-state.js';
export type { StateChange } from './chat-state.js';
export { MemoryOutboxStore } from './outbox.js';
export type { OutboxStore } from './outbox.js';
export { ApiError, Rest } from './rest.js';
export type { SharedTokens } from './session.js';
export type { Answer, BodyOf } from './rest.js';
export type * from './types.js';
export type { paths, components } from './openapi.js';
