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
  constructor(private readonly testApp: TestApp) {}

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
}
