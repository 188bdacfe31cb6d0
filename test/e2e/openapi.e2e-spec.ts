import SwaggerParser from '@apidevtools/swagger-parser';
import { redoclyFindings, spectralFindings } from '../utils/openapi-lint';
import { startTestApp, TestApp } from '../utils/test-app';

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    {
      description?: string;
      content?: Record<string, { schema?: { $ref?: string }; example?: { code?: string } }>;
    }
  >;
};

const PUBLIC_OPERATIONS = [
  'post /api/v1/auth/register',
  'post /api/v1/auth/login',
  'post /api/v1/auth/refresh',
  'get /health/live',
  'get /health/ready',
  'get /api/v1/attachments/{attachmentId}',
  'get /api/v1/attachments/{attachmentId}/thumbnail',
  'get /api/v1/avatars/{userId}',
];

const EXPECTED_OPERATIONS = [
  ...PUBLIC_OPERATIONS,
  'post /api/v1/auth/logout',
  'get /api/v1/users/me',
  'patch /api/v1/users/me',
  'put /api/v1/users/me/avatar',
  'get /api/v1/users/{userId}/avatar',
  'get /api/v1/users',
  'get /api/v1/users/{userId}',
];

/** What generated clients call the operations: renaming one breaks them. */
const OPERATION_IDS: Record<string, string> = {
  'post /api/v1/auth/register': 'register',
  'post /api/v1/auth/login': 'login',
  'post /api/v1/auth/refresh': 'refreshTokens',
  'post /api/v1/auth/logout': 'logout',
  'get /api/v1/users/me': 'getMe',
  'patch /api/v1/users/me': 'updateMe',
  'put /api/v1/users/me/avatar': 'uploadAvatar',
  'get /api/v1/users/{userId}/avatar': 'getAvatar',
  'get /api/v1/users': 'searchUsers',
  'get /api/v1/users/{userId}': 'getUser',
  'post /api/v1/friend-requests': 'sendFriendRequest',
  'get /api/v1/friend-requests': 'listFriendRequests',
  'post /api/v1/friend-requests/{requestId}/accept': 'acceptFriendRequest',
  'post /api/v1/friend-requests/{requestId}/reject': 'rejectFriendRequest',
  'delete /api/v1/friend-requests/{requestId}': 'withdrawFriendRequest',
  'get /api/v1/friends': 'listFriends',
  'delete /api/v1/friends/{userId}': 'unfriend',
  'post /api/v1/blocks': 'blockUser',
  'get /api/v1/blocks': 'listBlocks',
  'delete /api/v1/blocks/{userId}': 'unblockUser',
  'post /api/v1/chats/direct': 'openDirectChat',
  'post /api/v1/chats/groups': 'createGroupChat',
  'get /api/v1/chats': 'listChats',
  'get /api/v1/chats/{chatId}': 'getChat',
  'get /api/v1/chats/{chatId}/read-markers': 'listReadMarkers',
  'patch /api/v1/chats/{chatId}/settings': 'updateChatSettings',
  'get /api/v1/me/unread': 'getUnreadTotals',
  'get /api/v1/messages/search': 'searchMessages',
  'patch /api/v1/chats/{chatId}': 'renameChat',
  'post /api/v1/chats/{chatId}/participants': 'addParticipants',
  'patch /api/v1/chats/{chatId}/participants/{userId}': 'changeParticipantRole',
  'delete /api/v1/chats/{chatId}/participants/{userId}': 'removeParticipant',
  'get /api/v1/chats/{chatId}/messages': 'listMessages',
  'post /api/v1/chats/{chatId}/messages': 'sendMessage',
  'patch /api/v1/chats/{chatId}/messages/{messageId}': 'editMessage',
  'delete /api/v1/chats/{chatId}/messages/{messageId}': 'deleteMessage',
  'post /api/v1/chats/{chatId}/read': 'markChatRead',
  'get /api/v1/chats/{chatId}/changes': 'listChatChanges',
  'put /api/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': 'addReaction',
  'delete /api/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': 'removeReaction',
  'get /api/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': 'listReactors',
  'post /api/v1/uploads': 'upload',
  'get /api/v1/attachments/{attachmentId}': 'getAttachment',
  'get /api/v1/attachments/{attachmentId}/thumbnail': 'getAttachmentThumbnail',
  'get /api/v1/avatars/{userId}': 'getAvatarByLink',
  'get /api/v1/me/push-subscriptions/vapid-public-key': 'getVapidPublicKey',
  'post /api/v1/me/push-subscriptions': 'subscribePush',
  'delete /api/v1/me/push-subscriptions': 'unsubscribePush',
  'post /api/v1/admin/webhooks': 'createWebhook',
  'get /api/v1/admin/webhooks': 'listWebhooks',
  'get /api/v1/admin/webhooks/{webhookId}': 'getWebhook',
  'patch /api/v1/admin/webhooks/{webhookId}': 'updateWebhook',
  'delete /api/v1/admin/webhooks/{webhookId}': 'deleteWebhook',
  'get /api/v1/admin/webhooks/{webhookId}/deliveries': 'listWebhookDeliveries',
  'post /api/v1/admin/webhooks/{webhookId}/deliveries/{deliveryId}/replay': 'replayWebhookDelivery',
  'put /api/v1/admin/users/by-external-id/{externalId}': 'provisionUser',
  'post /api/v1/admin/users/{userId}/sessions': 'createUserSession',
  'post /api/v1/admin/users/{userId}/suspension': 'suspendUser',
  'delete /api/v1/admin/users/{userId}/suspension': 'liftSuspension',
  'put /api/v1/admin/friendships': 'befriendUsers',
  'get /api/v1/users/me/export': 'exportMyData',
  'delete /api/v1/users/me': 'deleteMyAccount',
  'delete /api/v1/admin/users/{userId}': 'deleteUser',
  'get /health/live': 'checkLiveness',
  'get /health/ready': 'checkReadiness',
};

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: any;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(() => t.close());

  const operations = (): [string, Operation][] =>
    Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(
          ([method, operation]) => [`${method} ${path}`, operation] as [string, Operation],
        ),
    );

  it('is a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
  });

  it('has no findings under Redocly (recommended rules, redocly.yaml)', async () => {
    expect(await redoclyFindings(document)).toEqual([]);
  });

  it('has no findings under Spectral (spectral:oas, .spectral.yaml)', async () => {
    expect(await spectralFindings(document)).toEqual([]);
  });

  it('lists every route', () => {
    expect(operations().map(([key]) => key)).toEqual(expect.arrayContaining(EXPECTED_OPERATIONS));
  });

  it('names every operation for what it does', () => {
    const ids = Object.fromEntries(
      operations().map(([key, { operationId }]) => [key, operationId]),
    );
    expect(ids).toEqual(OPERATION_IDS);
  });

  it('gives every operation a summary, a description and a success response', () => {
    for (const [key, operation] of operations()) {
      expect({ key, summary: operation.summary, description: operation.description }).toEqual({
        key,
        summary: expect.any(String),
        description: expect.stringMatching(/\S/),
      });
      expect({
        key,
        success: Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status)),
      }).toEqual({
        key,
        success: true,
      });
    }
  });

  it('declares bearer auth and a 401 answer on every route that needs a token', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const [key, operation] of operations()) {
      if (PUBLIC_OPERATIONS.includes(key)) continue;
      const scheme = key.includes('/api/v1/admin/') ? 'admin' : 'bearer';
      expect({ key, security: operation.security }).toEqual({ key, security: [{ [scheme]: [] }] });
      expect({ key, has401: '401' in operation.responses }).toEqual({ key, has401: true });
    }
  });

  it('declares an empty security requirement on the public operations, so clients send no token', () => {
    for (const [key, operation] of operations()) {
      if (!PUBLIC_OPERATIONS.includes(key)) continue;
      expect({ key, security: operation.security }).toEqual({ key, security: [] });
    }
  });

  it('describes a 401 by what it means on each route', () => {
    const answer401 = (key: string) => {
      const [method, path] = key.split(' ');
      const { description, content } = document.paths[path][method].responses['401'];
      return { description, code: content['application/json'].example.code };
    };
    expect(answer401('post /api/v1/auth/login')).toEqual({
      description: expect.stringContaining('Wrong username or password'),
      code: 'INVALID_CREDENTIALS',
    });
    expect(answer401('post /api/v1/auth/refresh')).toEqual({
      description: expect.stringContaining('refresh token'),
      code: 'INVALID_REFRESH_TOKEN',
    });
    for (const key of Object.keys(OPERATION_IDS)) {
      if (PUBLIC_OPERATIONS.includes(key)) continue;
      if (key.includes('/api/v1/admin/')) {
        expect({ key, ...answer401(key) }).toEqual({
          key,
          description: expect.stringContaining('ADMIN_API_TOKEN'),
          code: 'ADMIN_TOKEN_MISSING',
        });
        continue;
      }
      expect({ key, ...answer401(key) }).toEqual({
        key,
        description: expect.stringContaining('access token'),
        code: expect.stringMatching(/^TOKEN_/),
      });
    }
  });

  it('names a server and points readers to the Socket.IO events', () => {
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(document.info.description).toContain('(/asyncapi)');
    expect(document.info.description).toContain('(/asyncapi.yaml)');
  });

  it('documents error answers with the shared error schema', () => {
    for (const [key, operation] of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        expect({ key, status, ref: response.content?.['application/json']?.schema?.$ref }).toEqual({
          key,
          status,
          ref: '#/components/schemas/ErrorResponseDto',
        });
      }
    }
  });

  it('has examples on request and response bodies', () => {
    const { RegisterDto, AuthResponseDto, UserResponseDto } = document.components.schemas;
    for (const schema of [RegisterDto, AuthResponseDto, UserResponseDto]) {
      for (const [name, property] of Object.entries<any>(schema.properties)) {
        if (property.$ref || property.allOf) continue;
        expect({ name, example: property.example }).toEqual({ name, example: expect.anything() });
      }
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.http.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('swagger-ui');
  });
});
