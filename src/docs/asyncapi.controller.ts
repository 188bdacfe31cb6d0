import { Controller, Get, HttpStatus, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../common/auth/public.decorator';
import { etagOf, matchesEtag } from '../common/http/etag';
import { renderAsyncApiPage } from './asyncapi-page';

/** docs/asyncapi.yaml, beside src/ in a checkout and beside dist/src/ in a build (nest-cli.json). */
const ASYNCAPI_FILE = join(__dirname, '../../docs/asyncapi.yaml');

interface Representation {
  body: string;
  type: string;
  etag: string;
}

function representation(body: string, type: string): Representation {
  return { body, type, etag: etagOf(body) };
}

/**
 * The Socket.IO contract for readers of /docs: the AsyncAPI document and a page rendered from it.
 * Read once at start, so a build without the file fails at start rather than on a request.
 */
@ApiExcludeController()
@Public()
@Controller()
export class AsyncApiController {
  private readonly yaml: Representation;
  private readonly page: Representation;

  constructor() {
    const text = readFileSync(ASYNCAPI_FILE, 'utf8');
    this.yaml = representation(text, 'application/yaml');
    this.page = representation(renderAsyncApiPage(text), 'text/html; charset=utf-8');
  }

  @Get('asyncapi.yaml')
  document(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return send(request, reply, this.yaml);
  }

  @Get('asyncapi')
  rendered(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return send(request, reply, this.page);
  }
}

/** Cacheable for a few minutes, then revalidated by ETag: the document changes only with a deploy. */
async function send(
  request: FastifyRequest,
  reply: FastifyReply,
  { body, type, etag }: Representation,
): Promise<void> {
  reply.header('etag', etag).header('cache-control', 'public, max-age=300');
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && matchesEtag(ifNoneMatch, etag)) {
    await reply.status(HttpStatus.NOT_MODIFIED).send();
    return;
  }
  await reply.type(type).send(body);
}
