import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatsModule } from '../chats/chats.module';
import { Message } from './entities/message.entity';
import { MessageBatcher } from './message-batcher';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

@Module({
  imports: [ChatsModule, TypeOrmModule.forFeature([Message])],
  controllers: [MessagesController],
  providers: [MessagesRepository, MessageBatcher, MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
