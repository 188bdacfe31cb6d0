import { createHmac } from 'node:crypto';
import { Session, TestContext } from './context';
import { TestApp } from './test-app';
import { ReceivedRequest } from './webhook-receiver';

/** The admin token the webhook specs' apps are given. */
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef-0123456789';
export const admin = { token: ADMIN_TOKEN };

/** What a receiver does to trust a delivery (Standard Webhooks). */
export function verifies(request: ReceivedRequest, secret: string): boolean {
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`);
  return String(request.headers['webhook-signature'])
    .split(' ')
    .includes(`v1,${mac.digest('base64')}`);
}

export async function registerAt(app: TestApp, url: string, events: string[] = ['*']) {
  const created = await app.http.post('/api/v1/admin/webhooks', {
    ...admin,
    body: { url, events },
  });
  expect(created.status).toBe(201);
  return created.body as { id: number; secret: string };
}

export async function deliveriesOf(app: TestApp, webhookId: number): Promise<any[]> {
  const res = await app.http.get(`/api/v1/admin/webhooks/${webhookId}/deliveries`, admin);
  expect(res.status).toBe(200);
  return res.body.items;
}

export async function friendsChatOf(
  ctx: TestContext,
): Promise<{ a: Session; b: Session; chat: any }> {
  const [a, b] = await Promise.all([ctx.newUser(), ctx.newUser()]);
  await ctx.befriend(a, b);
  return { a, b, chat: await ctx.directChat(a, b) };
}
