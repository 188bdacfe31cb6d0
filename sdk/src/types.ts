import type { components } from './openapi.js';

type Schemas = components['schemas'];

/** The shapes of the REST API, generated from its OpenAPI document: they change when it does. */
export type Message = Schemas['MessageResponseDto'];
export type Chat = Schemas['ChatResponseDto'];
export type ChatChanges = Schemas['ChangesResponseDto'];
export type ChatSettings = Schemas['ChatSettingsDto'];
export type User = Schemas['UserResponseDto'];
export type AuthResponse = Schemas['AuthResponseDto'];
export type Upload = Schemas['UploadResponseDto'];
export type UnreadTotals = Schemas['UnreadTotalsDto'];
export type SearchHit = Schemas['SearchHitDto'];
export type FriendRequest = Schemas['FriendRequestResponseDto'];
export type ApiErrorBody = Schemas['ErrorResponseDto'];

/** `message:reactions`: an emoji's count after a change, counted by the server. */
export interface ReactionChange {
  chatId: number;
  messageId: number;
  emoji: string;
  count: number;
  userId: number;
  on: boolean;
  rev: number;
}

/** What the app keeps to resume a session without a password. */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
}

/** A send the server has not acknowledged yet, kept until it has (see OutboxStore). */
export interface PendingSend {
  clientMessageId: string;
  chatId: number;
  body: string;
  replyToId?: number;
  attachmentIds?: number[];
  mentions?: number[];
  createdAt: string;
}
