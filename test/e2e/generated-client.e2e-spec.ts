import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import createClient from 'openapi-fetch';
import type { paths } from '../../sdk/src/openapi';
import { runSampleScenario, SampleScenarioOutcome } from '../clients/sample-scenario.client';
import { generateClientTypes, typeCheck } from '../utils/openapi-client-types';
import { OpenApiContract } from '../utils/openapi-contract';
import { startTestApp, TestApp } from '../utils/test-app';

const GENERATED = resolve(__dirname, '../../sdk/src/openapi.ts');
const SCENARIO = resolve(__dirname, '../clients/sample-scenario.client.ts');
const SDK = resolve(__dirname, '../../sdk/src/index.ts');
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The OpenAPI document is exact: a client generated from it (openapi-typescript + openapi-fetch)
 * compiles against the sample scenario and runs it, every exchange checked against the document.
 */
describe('a client generated from the OpenAPI document', () => {
  let t: TestApp;
  let document: any;
  let generated: string;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
    generated = generateClientTypes(document, GENERATED);
  });
  afterAll(() => t.close());

  it('is checked in as the live document generates it (UPDATE_OPENAPI_CLIENT=1 rewrites it)', () => {
    if (process.env.UPDATE_OPENAPI_CLIENT) writeFileSync(GENERATED, generated);
    expect(generated).toBe(readFileSync(GENERATED, 'utf8'));
  });

  it('compiles the sample scenario against the types generated from the live document', () => {
    expect(typeCheck(SCENARIO, { [GENERATED]: generated })).toEqual([]);
  });

  it('compiles the SDK against the types generated from the live document', () => {
    expect(typeCheck(SDK, { [GENERATED]: generated })).toEqual([]);
  });

  it('runs the sample scenario with every request and answer as the document says', async () => {
    const contract = new OpenApiContract(document);
    const connect = (accessToken?: string) => {
      const client = createClient<paths>({
        baseUrl: t.baseUrl,
        headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      });
      client.use(contract.middleware);
      return client;
    };
    let outcome: SampleScenarioOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await runSampleScenario(connect);
    } catch (error) {
      failure = error;
    }
    // A document error usually explains a scenario failure, so it is reported first.
    expect(contract.violations).toEqual([]);
    if (!outcome) throw failure;
    expect([...contract.seen].sort()).toEqual([
      'GET /api/v1/chats 200',
      'GET /api/v1/chats/{chatId} 200',
      'GET /api/v1/chats/{chatId} 404',
      'GET /api/v1/chats/{chatId}/messages 200',
      'GET /api/v1/friend-requests 200',
      'GET /api/v1/friends 200',
      'PATCH /api/v1/chats/{chatId}/messages/{messageId} 200',
      'POST /api/v1/auth/register 201',
      'POST /api/v1/chats/direct 200',
      'POST /api/v1/chats/direct 201',
      'POST /api/v1/chats/groups 201',
      'POST /api/v1/chats/{chatId}/messages 200',
      'POST /api/v1/chats/{chatId}/messages 201',
      'POST /api/v1/chats/{chatId}/read 204',
      'POST /api/v1/friend-requests 201',
      'POST /api/v1/friend-requests/{requestId}/accept 200',
    ]);
    const { users, direct, group } = outcome;

    expect(Object.values(users).map((user) => user.username)).toEqual(['shahn', 'shivam', 'udit']);
    expect(users.shahn).toMatchObject({ displayName: 'Shahn', displayPictureUrl: null });
    expect(outcome.sentRequests).toEqual([
      expect.objectContaining({
        fromUserId: users.shahn.id,
        toUserId: users.shivam.id,
        message: 'hi',
      }),
      expect.objectContaining({
        fromUserId: users.shahn.id,
        toUserId: users.udit.id,
        message: 'hey udit',
      }),
      expect.objectContaining({
        fromUserId: users.shivam.id,
        toUserId: users.udit.id,
        message: null,
      }),
    ]);
    for (const request of outcome.sentRequests) {
      expect(request).toMatchObject({ status: 'pending', respondedAt: null });
      expect(request.sentAt).toMatch(TIMESTAMP);
    }
    for (const [index, request] of outcome.acceptedRequests.entries()) {
      expect(request).toMatchObject({ id: outcome.sentRequests[index].id, status: 'accepted' });
      expect(request.respondedAt).toMatch(TIMESTAMP);
    }
    expect(outcome.shahnsFriends.map((friend) => friend.user.username).sort()).toEqual([
      'shivam',
      'udit',
    ]);

    expect(outcome.directChatFoundAtFirst).toBe(false);
    expect(direct.opened).toMatchObject({
      type: 'direct',
      name: 'shivam/shahn',
      lastMessage: null,
      unreadCount: 0,
    });
    expect(direct.opened.participants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: users.shivam.id, role: 'member' }),
        expect.objectContaining({ userId: users.shahn.id, role: 'member' }),
      ]),
    );
    expect(direct.reopened.id).toBe(direct.opened.id);
    expect(outcome.helloo).toMatchObject({
      chatId: direct.opened.id,
      seq: 1,
      senderId: users.shivam.id,
      body: 'helloo',
      clientMessageId: 'sample-1',
      editedAt: null,
      deletedAt: null,
    });
    expect(outcome.hellooResent).toEqual(outcome.helloo);

    expect(group).toMatchObject({ type: 'group', name: 'group-1' });
    expect(group.participants).toHaveLength(3);
    expect(group.participants).toContainEqual(
      expect.objectContaining({ userId: users.shahn.id, role: 'owner' }),
    );
    expect(outcome.shivamsChats.items.map((chat) => chat.name)).toEqual([
      'group-1',
      'shivam/shahn',
    ]);
    expect(outcome.groupMessage).toMatchObject({ chatId: group.id, seq: 1, clientMessageId: null });

    expect(outcome.history.items.map((message) => message.body)).toEqual(['helloo']);
    expect(outcome.edited).toMatchObject({ id: outcome.helloo.id, body: 'hello!' });
    expect(outcome.edited.editedAt).toMatch(TIMESTAMP);
    expect(outcome.beforeRead).toMatchObject({
      unreadCount: 1,
      lastMessage: { id: outcome.helloo.id, body: 'hello!' },
    });
    expect(outcome.afterRead.unreadCount).toBe(0);
    expect(outcome.outsider).toMatchObject({ status: 404, error: { statusCode: 404 } });
  });
});
