import { Accounts1795224717327 } from './1795224717327-accounts';
import { Friends1795225763301 } from './1795225763301-friends';
import { ChatsAndMessages1795225998940 } from './1795225998940-chats-and-messages';
import { Realtime1795227773170 } from './1795227773170-realtime';
import { Usernames1795231449000 } from './1795231449000-usernames';
import { RichMessages1796358842379 } from './1796358842379-rich-messages';
import { AttachmentStorage1796363441107 } from './1796363441107-attachment-storage';
import { Uploads1796380011957 } from './1796380011957-uploads';
import { ReadReceipts1796385658598 } from './1796385658598-read-receipts';
import { MentionsAndChatSettings1796391325780 } from './1796391325780-mentions-and-chat-settings';
import { MessageSearch1796392049461 } from './1796392049461-message-search';
import { Moderation1796398252795 } from './1796398252795-moderation';
import { Notifications1796402711021 } from './1796402711021-notifications';
import { JobQueue1796402711022 } from './1796402711022-job-queue';
import { AccountProvisioning1796404980343 } from './1796404980343-account-provisioning';
import { AccountDeletion1796418412049 } from './1796418412049-account-deletion';
import { AdminAuditBody1796418412050 } from './1796418412050-admin-audit-body';
import { PendingDeliveries1796430000000 } from './1796430000000-pending-deliveries';

/** Every migration, oldest first. A unit test checks that each file of this folder is listed. */
export const MIGRATIONS = [
  Accounts1795224717327,
  Friends1795225763301,
  ChatsAndMessages1795225998940,
  Realtime1795227773170,
  Usernames1795231449000,
  RichMessages1796358842379,
  AttachmentStorage1796363441107,
  Uploads1796380011957,
  ReadReceipts1796385658598,
  MentionsAndChatSettings1796391325780,
  MessageSearch1796392049461,
  Moderation1796398252795,
  Notifications1796402711021,
  JobQueue1796402711022,
  AccountProvisioning1796404980343,
  AccountDeletion1796418412049,
  AdminAuditBody1796418412050,
  PendingDeliveries1796430000000,
];
