import { Injectable } from '@nestjs/common';
import { AttachedFile, AttachmentsService } from '../attachments/attachments.service';
import { MessageResponseDto } from './dto/message-response.dto';
import { MessageView } from './message-view';
import { toMessageResponse } from './messages.mapper';

/**
 * Messages as one reader gets them, files included: the files of a page are one query, made only
 * when some message of it has files (most have none), and their links are signed for the reader.
 */
@Injectable()
export class MessageFiles {
  constructor(private readonly attachments: AttachmentsService) {}

  async responses(views: MessageView[], reader: number): Promise<MessageResponseDto[]> {
    const files = await this.filesOf(views);
    return views.map((view) => this.response(view, files.get(view.id) ?? [], reader));
  }

  response(view: MessageView, files: AttachedFile[], reader: number): MessageResponseDto {
    return toMessageResponse(view, this.attachments.forReader(files, reader));
  }

  /** The files of those views that have some, by message id. */
  filesOf(views: MessageView[]): Promise<Map<number, AttachedFile[]>> {
    const ids = views.filter((view) => view.attachmentCount > 0).map((view) => view.id);
    return ids.length === 0 ? Promise.resolve(new Map()) : this.attachments.filesOf(ids);
  }
}
