import type { Client } from 'openapi-fetch';
import type { paths } from '../../sdk/src/openapi';

/*
 * The sample scenario (docs/api.md: Shivam messages Shahn 1-1, then writes in the group chat
 * "group-1") as a client writes it: against the types generated from the server's
 * OpenAPI document and nothing else. Compiling this file against freshly generated types is the
 * check that the document has the routes, methods, fields and answers the contract (docs/api.md)
 * promises; the interfaces below are that contract, as a client relies on it.
 */

export interface User {
  id: number;
  username: string;
  displayName: string;
  displayPictureUrl: string | null;
  joinedAt: string;
  deleted: boolean;
}

export interface AuthSession {
  user: User;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface FriendRequest {
  id: number;
  fromUserId: number;
  toUserId: number;
  message: string | null;
  status: 'pending' | 'accepted' | 'rejected';
  sentAt: string;
  respondedAt: string | null;
}

export interface Friend {
  user: User;
  since: string;
}

export interface Participant {
  userId: number;
  role: 'owner' | 'admin' | 'member';
  joinedAt: string;
}

export interface Message {
  id: number;
  chatId: number;
  seq: number;
  senderId: number;
  body: string | null;
  clientMessageId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
}

export interface Chat {
  id: number;
  type: 'direct' | 'group';
  name: string | null;
  topic: string;
  createdAt: string;
  updatedAt: string;
  participants: Participant[];
  lastMessage: Message | null;
  unreadCount: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ApiError {
  statusCode: number;
  error: string;
  message: string | string[];
  code: string;
}

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** The JSON body the document promises for this operation and status. */
type Answer<P extends keyof paths, M extends Method, S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : 'undocumented status';

/** The JSON request body the document takes for this operation. */
type RequestBody<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : 'no documented body';

type Scalar = string | number | boolean | null;

/**
 * The contract's fields whose values the document does not allow: missing, or narrower than the
 * contract (a nullable it forgot, an enum value it lacks). Object fields are checked by their own entry.
 */
type Narrower<Doc, Contract> = [Doc] extends ['undocumented status']
  ? Doc
  : {
      [K in keyof Contract]-?: K extends keyof Doc
        ? [Extract<Contract[K], Scalar>] extends [Doc[K]]
          ? never
          : K
        : K;
    }[keyof Contract];

type None<Fields extends never> = Fields;

type ChatAnswer = Answer<'/api/v1/chats/{chatId}', 'get', 200>;

/**
 * Compile-time, the other way round from the assignments in the scenario: every value the contract
 * allows, the document allows too. A field named in an error here is one the document gets wrong.
 */
export type DocumentAllowsTheContract = [
  None<Narrower<Answer<'/api/v1/auth/register', 'post', 201>, AuthSession>>,
  None<Narrower<Answer<'/api/v1/auth/register', 'post', 201>['user'], User>>,
  None<Narrower<Answer<'/api/v1/friend-requests', 'post', 201>, FriendRequest>>,
  None<Narrower<Answer<'/api/v1/friend-requests/{requestId}/accept', 'post', 200>, FriendRequest>>,
  None<Narrower<Answer<'/api/v1/friend-requests', 'get', 200>, Page<FriendRequest>>>,
  None<Narrower<Answer<'/api/v1/friends', 'get', 200>['items'][number], Friend>>,
  None<Narrower<Answer<'/api/v1/chats/direct', 'post', 201>, Chat>>,
  None<Narrower<Answer<'/api/v1/chats/direct', 'post', 200>, Chat>>,
  None<Narrower<Answer<'/api/v1/chats/groups', 'post', 201>, Chat>>,
  None<Narrower<ChatAnswer, Chat>>,
  None<Narrower<ChatAnswer['participants'][number], Participant>>,
  None<Narrower<NonNullable<ChatAnswer['lastMessage']>, Message>>,
  None<Narrower<Answer<'/api/v1/chats', 'get', 200>, Page<Chat>>>,
  None<Narrower<Answer<'/api/v1/chats/{chatId}/messages', 'post', 201>, Message>>,
  None<Narrower<Answer<'/api/v1/chats/{chatId}/messages', 'post', 200>, Message>>,
  None<Narrower<Answer<'/api/v1/chats/{chatId}/messages', 'get', 200>, Page<Message>>>,
  None<Narrower<Answer<'/api/v1/chats/{chatId}/messages/{messageId}', 'patch', 200>, Message>>,
  None<Narrower<Answer<'/api/v1/chats/{chatId}', 'get', 404>, ApiError>>,
];

export type Api = Client<paths>;

/** A client for the server, signed in with this access token, or anonymous. */
export type Connect = (accessToken?: string) => Api;

export interface SampleScenarioOutcome {
  users: { shahn: User; shivam: User; udit: User };
  /** shahn → shivam ("hi"), shahn → udit ("hey udit"), shivam → udit (no message), as sent. */
  sentRequests: FriendRequest[];
  /** The same requests as their recipients accepted them. */
  acceptedRequests: FriendRequest[];
  shahnsFriends: Friend[];
  /** What Shivam's chat list had before he opened the direct chat. */
  directChatFoundAtFirst: boolean;
  /** Opened by Shivam (created: 201), then by Shahn (found: 200). */
  direct: { opened: Chat; reopened: Chat };
  helloo: Message;
  /** The same send again, with the same clientMessageId (200). */
  hellooResent: Message;
  group: Chat;
  groupMessage: Message;
  shivamsChats: Page<Chat>;
  /** Shahn's view of the direct chat's history. */
  history: Page<Message>;
  edited: Message;
  /** Shahn's direct chat before and after he moves his read marker to the edited message. */
  beforeRead: Chat;
  afterRead: Chat;
  /** Udit asks for the direct chat he is not in. */
  outsider: { status: number; error: ApiError };
}

interface Answered<Data> {
  data?: Data;
  error?: unknown;
  response: Response;
}

/** The answer's data, when its status is one of these; anything else fails the scenario. */
async function expectStatus<Data>(
  call: Promise<Answered<Data>>,
  ...statuses: number[]
): Promise<Data> {
  const { data, error, response } = await call;
  if (!statuses.includes(response.status)) {
    const detail = JSON.stringify(error ?? data);
    throw new Error(
      `${response.url}: ${response.status} ${detail}, expected ${statuses.join(' or ')}`,
    );
  }
  return data as Data;
}

const PASSWORD = 'correct horse battery staple';

async function register(api: Api, username: string, displayName: string): Promise<AuthSession> {
  return expectStatus(
    api.POST('/api/v1/auth/register', {
      body: { username, password: PASSWORD, displayName } satisfies RequestBody<
        '/api/v1/auth/register',
        'post'
      >,
    }),
    201,
  );
}

async function befriend(
  from: Api,
  to: Api,
  toUserId: number,
  message?: string,
): Promise<{ sent: FriendRequest; accepted: FriendRequest }> {
  const sent: FriendRequest = await expectStatus(
    from.POST('/api/v1/friend-requests', {
      body: { toUserId, message } satisfies RequestBody<'/api/v1/friend-requests', 'post'>,
    }),
    201,
  );
  const incoming: Page<FriendRequest> = await expectStatus(
    to.GET('/api/v1/friend-requests', {
      params: { query: { direction: 'incoming', status: 'pending' } },
    }),
    200,
  );
  const pending = incoming.items.find((request) => request.id === sent.id);
  if (!pending) throw new Error(`request ${sent.id} is not among the recipient's pending ones`);
  const accepted: FriendRequest = await expectStatus(
    to.POST('/api/v1/friend-requests/{requestId}/accept', {
      params: { path: { requestId: pending.id } },
    }),
    200,
  );
  return { sent, accepted };
}

function sameUsers(chat: Chat, userIds: number[]): boolean {
  const members = chat.participants.map((participant) => participant.userId);
  return members.length === userIds.length && userIds.every((id) => members.includes(id));
}

/** Runs the scenario, failing on the first unexpected status; returns what the users saw. */
export async function runSampleScenario(connect: Connect): Promise<SampleScenarioOutcome> {
  const anonymous = connect();
  const shahnSession = await register(anonymous, 'shahn', 'Shahn');
  const shivamSession = await register(anonymous, 'shivam', 'Shivam');
  const uditSession = await register(anonymous, 'udit', 'Udit');
  const users = { shahn: shahnSession.user, shivam: shivamSession.user, udit: uditSession.user };
  const shahn = connect(shahnSession.accessToken);
  const shivam = connect(shivamSession.accessToken);
  const udit = connect(uditSession.accessToken);

  // Everyone is friends: shahn-shivam (the accepted "hi"), shahn-udit, shivam-udit.
  const friendships = [
    await befriend(shahn, shivam, users.shivam.id, 'hi'),
    await befriend(shahn, udit, users.udit.id, 'hey udit'),
    await befriend(shivam, udit, users.udit.id),
  ];
  const shahnsFriends: Page<Friend> = await expectStatus(shahn.GET('/api/v1/friends'), 200);

  // Shivam sends a 1-1 message to Shahn: find the chat, or create it, then send.
  const before: Page<Chat> = await expectStatus(shivam.GET('/api/v1/chats'), 200);
  const found = before.items.find(
    (chat) => chat.type === 'direct' && sameUsers(chat, [users.shivam.id, users.shahn.id]),
  );
  const directChat: Chat =
    found ??
    (await expectStatus(
      shivam.POST('/api/v1/chats/direct', {
        body: { userId: users.shahn.id } satisfies RequestBody<'/api/v1/chats/direct', 'post'>,
      }),
      201,
    ));
  const reopened: Chat = await expectStatus(
    shahn.POST('/api/v1/chats/direct', { body: { userId: users.shivam.id } }),
    200,
  );
  const send = (api: Api, chatId: number, body: string, clientMessageId?: string) =>
    api.POST('/api/v1/chats/{chatId}/messages', {
      params: { path: { chatId } },
      body: { body, clientMessageId } satisfies RequestBody<
        '/api/v1/chats/{chatId}/messages',
        'post'
      >,
    });
  const helloo: Message = await expectStatus(
    send(shivam, directChat.id, 'helloo', 'sample-1'),
    201,
  );
  const hellooResent: Message = await expectStatus(
    send(shivam, directChat.id, 'helloo', 'sample-1'),
    200,
  );

  // Shahn makes group-1 with both friends; Shivam pulls his chats, picks it, and writes there.
  const group: Chat = await expectStatus(
    shahn.POST('/api/v1/chats/groups', {
      body: {
        name: 'group-1',
        memberIds: [users.shivam.id, users.udit.id],
      } satisfies RequestBody<'/api/v1/chats/groups', 'post'>,
    }),
    201,
  );
  const shivamsChats: Page<Chat> = await expectStatus(
    shivam.GET('/api/v1/chats', { params: { query: { limit: 10 } } }),
    200,
  );
  const chosen = shivamsChats.items.find((chat) => chat.name === 'group-1');
  if (!chosen) throw new Error('group-1 is not in his chat list');
  const groupMessage: Message = await expectStatus(send(shivam, chosen.id, 'hi group'), 201);

  // Shahn reads the 1-1 history; Shivam fixes his message; Shahn marks it read.
  const history: Page<Message> = await expectStatus(
    shahn.GET('/api/v1/chats/{chatId}/messages', {
      params: { path: { chatId: directChat.id }, query: { limit: 20 } },
    }),
    200,
  );
  const edited: Message = await expectStatus(
    shivam.PATCH('/api/v1/chats/{chatId}/messages/{messageId}', {
      params: { path: { chatId: directChat.id, messageId: helloo.id } },
      body: { body: 'hello!' } satisfies RequestBody<
        '/api/v1/chats/{chatId}/messages/{messageId}',
        'patch'
      >,
    }),
    200,
  );
  const chatOf = (api: Api, chatId: number) =>
    api.GET('/api/v1/chats/{chatId}', { params: { path: { chatId } } });
  const beforeRead: Chat = await expectStatus(chatOf(shahn, directChat.id), 200);
  await expectStatus(
    shahn.POST('/api/v1/chats/{chatId}/read', {
      params: { path: { chatId: directChat.id } },
      body: { messageId: edited.id } satisfies RequestBody<'/api/v1/chats/{chatId}/read', 'post'>,
    }),
    204,
  );
  const afterRead: Chat = await expectStatus(chatOf(shahn, directChat.id), 200);

  // The direct chat is not Udit's: it is not found for him, in the documented error shape.
  const { error, response } = await chatOf(udit, directChat.id);
  if (!error) throw new Error(`Udit got the chat he is not in: ${response.status}`);
  const outsider: { status: number; error: ApiError } = { status: response.status, error };

  return {
    users,
    sentRequests: friendships.map(({ sent }) => sent),
    acceptedRequests: friendships.map(({ accepted }) => accepted),
    shahnsFriends: shahnsFriends.items,
    directChatFoundAtFirst: found !== undefined,
    direct: { opened: directChat, reopened },
    helloo,
    hellooResent,
    group,
    groupMessage,
    shivamsChats,
    history,
    edited,
    beforeRead,
    afterRead,
    outsider,
  };
}
