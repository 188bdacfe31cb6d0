import { TestApp } from './test-app';

export interface Session {
  id: number;
  username: string;
  accessToken: string;
  refreshToken: string;
}

export const PASSWORD = 'correct horse battery staple';

let counter = 0;

/** A unique, valid username: tests never depend on rows made by other tests. */
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid % 10000}_${counter}`.slice(0, 32);
}

/** Test data made through the real API. */
export class TestContext {
  constructor(private readonly testApp: Pick<TestApp, 'http'>) {}

  async newUser(username = uniqueUsername(), displayName?: string): Promise<Session> {
    const response = await this.testApp.http.post('/api/v1/auth/register', {
      body: { username, password: PASSWORD, ...(displayName ? { displayName } : {}) },
    });
    if (response.status !== 201) {
      throw new Error(`register ${username} failed: ${response.status} ${response.text}`);
    }
    const { user, accessToken, refreshToken } = response.body;
    return { id: user.id, username: user.username, accessToken, refreshToken };
  }

  /** Makes two users friends the way users do: a request and its acceptance. */
  async befriend(a: Session, b: Session, message?: string): Promise<void> {
    const sent = await this.testApp.http.post('/api/v1/friend-requests', {
      token: a.accessToken,
      body: { toUserId: b.id, ...(message ? { message } : {}) },
    });
    if (sent.status !== 201) throw new Error(`friend request failed: ${sent.status} ${sent.text}`);
    const accepted = await this.testApp.http.post(
      `/api/v1/friend-requests/${sent.body.id}/accept`,
      {
        token: b.accessToken,
      },
    );
    if (accepted.status !== 200)
      throw new Error(`accept failed: ${accepted.status} ${accepted.text}`);
  }

  /** The pair's direct chat, through the API. */
  async directChat(a: Session, b: Session): Promise<any> {
    const res = await this.testApp.http.post('/api/v1/chats/direct', {
      token: a.accessToken,
      body: { userId: b.id },
    });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`direct chat failed: ${res.status} ${res.text}`);
    return res.body;
  }

  async group(owner: Session, name: string, members: Session[]): Promise<any> {
    const res = await this.testApp.http.post('/api/v1/chats/groups', {
      token: owner.accessToken,
      body: { name, memberIds: members.map((member) => member.id) },
    });
    if (res.status !== 201) throw new Error(`group failed: ${res.status} ${res.text}`);
    return res.body;
  }

  async send(
    sender: Session,
    chatId: number,
    body: string,
    clientMessageId?: string,
  ): Promise<any> {
    const res = await this.testApp.http.post(`/api/v1/chats/${chatId}/messages`, {
      token: sender.accessToken,
      body: { body, ...(clientMessageId ? { clientMessageId } : {}) },
    });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`send failed: ${res.status} ${res.text}`);
    return res.body;
  }
}
