import { Message } from './entities/message.entity';

/** What a reply shows of its target. */
export interface ReplyPreview {
  id: number;
  seq: number;
  senderId: number;
  body: string | null;
  deletedAt: Date | null;
}

export interface ReactionSummary {
  emoji: string;
  count: number;
  me: boolean;
}

/** A message as one reader sees it. */
export interface MessageView extends Message {
  replyTo: ReplyPreview | null;
  reactions: ReactionSummary[];
  /** The users it mentions, by ascending id. */
  mentions: number[];
}
