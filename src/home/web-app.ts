import fastifyStatic from '@fastify/static';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const WEB_APP_PATH = '/app/';

/**
 * The web app (web/, built into `dir` by `npm run build`) at /app/: plain files under the same
 * strict CSP as the rest (its scripts are files, none inline). Hashed assets are cached for good,
 * the page itself revalidated, so a new build shows at the next load.
 */
export async function serveWebApp(app: NestFastifyApplication, dir: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  if (!existsSync(join(dir, 'index.html'))) {
    fastify.get('/app', async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The web app is not built: run npm run build (it looks in ${dir}).`),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: WEB_APP_PATH,
    decorateReply: false,
    setHeaders: (response, path) => {
      const immutable = path.includes(`${join(dir, 'assets')}`);
      response.header(
        'cache-control',
        immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  fastify.get('/app', async (_request, reply) => reply.redirect(WEB_APP_PATH, 302));
}
