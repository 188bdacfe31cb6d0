import { HttpStatus } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { matchesEtag } from '../common/http/etag';
import { Avatar } from './users.service';

/** Sends an avatar with its validators, or 304 when the client holds it already. */
export async function replyWithAvatar(
  reply: FastifyReply,
  avatar: Avatar,
  ifNoneMatch: string | undefined,
  cacheControl: string,
): Promise<void> {
  const etag = `"${avatar.etag}"`;
  reply
    .header('etag', etag)
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .header('last-modified', avatar.updatedAt.toUTCString());
  if (ifNoneMatch && matchesEtag(ifNoneMatch, etag)) {
    await reply.status(HttpStatus.NOT_MODIFIED).send();
    return;
  }
  await reply.type(avatar.contentType).send(avatar.data);
}
