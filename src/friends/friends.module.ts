import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { BlocksController } from './blocks.controller';
import { BlocksService } from './blocks.service';
import { FriendRequest } from './entities/friend-request.entity';
import { Friendship } from './entities/friendship.entity';
import { UserBlock } from './entities/user-block.entity';
import { FriendRequestsController } from './friend-requests.controller';
import { FriendRequestsService } from './friend-requests.service';
import { FriendsController } from './friends.controller';
import { FriendsRepository } from './friends.repository';
import { FriendsService } from './friends.service';

@Module({
  imports: [UsersModule, TypeOrmModule.forFeature([FriendRequest, Friendship, UserBlock])],
  controllers: [FriendRequestsController, FriendsController, BlocksController],
  providers: [FriendsRepository, FriendRequestsService, FriendsService, BlocksService],
  exports: [FriendsService, BlocksService, FriendRequestsService],
})
export class FriendsModule {}
