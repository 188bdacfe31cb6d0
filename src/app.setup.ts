import helmet from '@fastify/helmet';
import { serveWebApp } from './home/web-app';
import multipart from '@fastify/multipart';
import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_SECURITY } from './admin/admin-route.decorator';
import { AppModule } from './app.module';
import { documentSharedErrors } from './common/http/api-errors.decorator';
import { ErrorResponseDto } from './common/http/error-response.dto';
import { AppLogger } from './common/logging/app.logger';
import { startupLog } from './common/logging/startup-log';
import { StartupNestLogger } from './common/logging/startup-nest-logger';
import { answerClientError } from './common/http/client-error-handler';
import { rejectUnexpectedMultipart } from './common/http/reject-unexpected-multipart';
import { echoRequestId, generateRequestId } from './common/http/request-id';
import { registerHttpLifecycleHooks } from './common/http/http-lifecycle.hooks';
import { ShutdownState } from './common/lifecycle/shutdown-state';
import { MetricsService } from './metrics/metrics.service';
import { AppConfig } from './config/app-config';
import { RealtimeIoAdapter } from './realtime/realtime-io.adapter';
import { MAX_AVATAR_BYTES } from './users/avatar-image-type';

export const API_PREFIX = 'api/v1';

/** Builds the app exactly as production runs it; main.ts and the end-to-end tests both call this. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    // Path parameters are checked by their pipes (a 400 that says why); the router's own limit of
    // 100 characters would answer a long emoji or id with a 414 of its own. Node's header size
    // limit still bounds the whole URL (431).
    routerOptions: { maxParamLength: 16 * 1024 },
    // Stalled clients (slow headers, unfinished bodies) get a 408 and are cut off. These bound the
    // receiving of a request only: a held Socket.IO long-poll or an upgraded websocket is not cut.
    requestTimeout: config.http.requestTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      // Node looks for expired requests only this often (30 s by default, longer than the timeouts).
      connectionsCheckingInterval: Math.ceil(config.http.headersTimeoutMs / 4),
    },
    trustProxy: config.http.trustProxy,
    // Keep-alive sockets would hold a graceful shutdown open until they time out.
    forceCloseConnections: 'idle',
    genReqId: generateRequestId,
    clientErrorHandler: answerClientError,
  });
  // Fastify's own JSON parser stays; Nest's urlencoded parser is left out: the API takes JSON only.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    // Until the app's own logger takes over (useLogger below), Nest writes through the start-up log.
    logger: new StartupNestLogger(startupLog(config.env, config.log.level, {})),
    // A failure to start (e.g. no database) comes back to the caller, which says so and cleans up.
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(AppLogger));
  const sockets = new RealtimeIoAdapter(app, config, app.get(ShutdownState));
  await sockets.connect();
  app.useWebSocketAdapter(sockets);
  await configureApp(app, config);
  return app;
}

async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: '/', method: RequestMethod.GET },
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'asyncapi.yaml', method: RequestMethod.GET },
      { path: 'asyncapi', method: RequestMethod.GET },
    ],
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Swagger UI sets inline styles and shows inline SVG icons.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // TLS ends at the ingress; over plain HTTP (a LAN address, no proxy) this directive would
        // send the docs' scripts to an https:// URL nobody serves, leaving the page blank.
        upgradeInsecureRequests: null,
      },
    },
  });
  app.enableCors({
    origin: config.http.corsOrigins,
    exposedHeaders: ['x-request-id', 'retry-after', 'etag'],
    maxAge: 600,
    // A bare OPTIONS is not a preflight: answered 204 like one rather than a plain-text 400.
    strictPreflight: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', echoRequestId);
  registerHttpLifecycleHooks(fastify, app.get(ShutdownState), app.get(MetricsService));
  fastify.removeContentTypeParser('text/plain');
  await app.register(multipart, {
    limits: { fileSize: MAX_AVATAR_BYTES, files: 1, fields: 0, parts: 2 },
  });
  fastify.addHook('preValidation', rejectUnexpectedMultipart);
  await serveWebApp(app, config.http.webAppDir);
  setUpOpenApi(app);
}

function setUpOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat backend')
      .setDescription(
        'Accounts, friends, direct and group chats. Errors share one shape: ' +
          '`{ statusCode, error, message, code }`. Lists are `{ items, nextCursor }`.\n\n' +
          'Live events (new messages, edits, typing, presence, friend requests) come over ' +
          'Socket.IO on this same server: see the [AsyncAPI document](/asyncapi) ' +
          '([YAML](/asyncapi.yaml)).',
      )
      .setVersion('1')
      .addServer('/', 'The server that serves this document')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'The ADMIN_API_TOKEN of the server' },
        ADMIN_SECURITY,
      )
      .addTag('auth', 'Register, log in, refresh the access token, log out')
      .addTag('users', 'My profile and avatar; other users by id or username prefix')
      .addTag('friends', 'Friend requests (send, answer, withdraw) and friendships')
      .addTag('blocks', 'Silent blocks: no requests, no direct messages')
      .addTag('chats', 'Direct chats of two friends and group chats: create, list, rename, members')
      .addTag('messages', 'History, send (idempotent), edit, delete, read markers')
      .addTag('attachments', 'Uploads to attach to messages, and the signed links that serve them')
      .addTag('push', 'Web Push subscriptions of my browsers and devices')
      .addTag(
        'admin',
        "Server-to-server API (ADMIN_API_TOKEN): the app's own users, sessions, friendships, suspension; webhooks",
      )
      .addTag('health', 'Liveness and readiness probes')
      .build(),
    { extraModels: [ErrorResponseDto] },
  );
  SwaggerModule.setup('docs', app, documentSharedErrors(document), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
  });
}
