import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AvatarLinks } from './avatar-links';
import { AvatarsController } from './avatars.controller';
import { UserAvatar } from './entities/user-avatar.entity';
import { User } from './entities/user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, UserAvatar])],
  controllers: [UsersController, AvatarsController],
  providers: [UsersRepository, UsersService, AvatarLinks],
  exports: [UsersService],
})
export class UsersModule {}
