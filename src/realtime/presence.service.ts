import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Socket } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FriendsService } from '../friends/friends.service';
import { UsersService } from '../users/users.service';
import { PresenceUpdate, SocketData, userRoom } from './socket-events';
import { SocketServer } from './socket-server';

/**
 * A user is online while any of their sockets is connected on any replica: the user room, queried
 * through the adapter, is the single source of truth. Friends hear about changes, debounced: a user
 * whose last socket comes back within the offline delay (a reconnect, or a client churning its
 * connection) was never offline for them, so churn cannot flood friends with presence events.
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  /** Updates under way, which a graceful shutdown lets finish before the database pool closes. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Users whose last socket here went away, until the offline delay has passed. */
  private readonly goingOffline = new Map<number, NodeJS.Timeout>();
  /** What prepare() read for a socket in its handshake, until it connects. */
  private readonly snapshots = new WeakMap<
    Socket,
    { friendIds: number[]; presence: PresenceUpdate[] }
  >();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sockets: SocketServer,
    private readonly friends: FriendsService,
    private readonly users: UsersService,
  ) {}

  /**
   * Reads the friends' presence during the handshake, so that it is the first thing the socket hears
   * after "connect", before the answer to anything the client sends.
   */
  async prepare(socket: Socket): Promise<void> {
    const { userId } = socket.data as SocketData;
    try {
      const friendIds = await this.friends.friendIdsOf(userId);
      this.snapshots.set(socket, { friendIds, presence: await this.presenceOf(friendIds) });
    } catch (error) {
      this.logger.warn({ err: error, userId }, "Could not read friends' presence on connect");
    }
  }

  /** Gives the new socket its friends' presence and tells friends the user is online. */
  connected(socket: Socket): Promise<void> {
    const { userId } = socket.data as SocketData;
    const snapshot = this.snapshots.get(socket);
    this.snapshots.delete(socket);
    for (const update of snapshot?.presence ?? []) socket.emit('presence', update);
    const pending = this.goingOffline.get(userId);
    clearTimeout(pending);
    this.goingOffline.delete(userId);
    if (pending !== undefined) return Promise.resolve();
    return this.track(this.announceOnline(userId, snapshot?.friendIds));
  }

  /** When the user's last socket anywhere is gone: stamp lastSeenAt and tell friends. */
  disconnected(userId: number): Promise<void> {
    const delay = this.config.realtime.presenceOfflineDelayMs;
    if (delay === 0) return this.track(this.announceOffline(userId));
    clearTimeout(this.goingOffline.get(userId));
    this.goingOffline.set(
      userId,
      setTimeout(() => {
        this.goingOffline.delete(userId);
        void this.track(this.announceOffline(userId));
      }, delay),
    );
    return Promise.resolve();
  }

  /** Pending offline announcements are dropped: this replica's sockets move to the others. */
  onModuleDestroy(): void {
    for (const timer of this.goingOffline.values()) clearTimeout(timer);
    this.goingOffline.clear();
  }

  /** Resolves once the presence updates started so far are done. */
  async idle(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async announceOnline(userId: number, knownFriendIds?: number[]): Promise<void> {
    try {
      const friendIds = knownFriendIds ?? (await this.friends.friendIdsOf(userId));
      if (friendIds.length === 0) return;
      this.sockets.io
        .to(friendIds.map(userRoom))
        .emit('presence', { userId, online: true, lastSeenAt: null });
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'Could not publish presence on connect');
    }
  }

  private async presenceOf(friendIds: number[]): Promise<PresenceUpdate[]> {
    if (friendIds.length === 0) return [];
    const online = await this.onlineAmong(friendIds);
    const lastSeen = await this.users.lastSeenOf(friendIds);
    return friendIds.map((friendId) => {
      const isOnline = online.has(friendId);
      const lastSeenAt = isOnline ? null : (lastSeen.get(friendId)?.toISOString() ?? null);
      return { userId: friendId, online: isOnline, lastSeenAt };
    });
  }

  private async announceOffline(userId: number): Promise<void> {
    try {
      const remaining = await this.sockets.io.in(userRoom(userId)).fetchSockets();
      if (remaining.length > 0) return;
      const lastSeenAt = (await this.users.recordLastSeen(userId)).toISOString();
      const friendIds = await this.friends.friendIdsOf(userId);
      if (friendIds.length === 0) return;
      this.sockets.io
        .to(friendIds.map(userRoom))
        .emit('presence', { userId, online: false, lastSeenAt });
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'Could not publish presence on disconnect');
    }
  }

  /** New friends learn whether the other is online right away. */
  async introduce(a: number, b: number): Promise<void> {
    const online = await this.onlineAmong([a, b]);
    for (const [viewer, subject] of [
      [a, b],
      [b, a],
    ]) {
      if (!online.has(subject)) continue;
      this.sockets.io
        .to(userRoom(viewer))
        .emit('presence', { userId: subject, online: true, lastSeenAt: null });
    }
  }

  /** Which of the users have a socket connected to any replica. */
  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    const sockets = await this.sockets.io.in(userIds.map(userRoom)).fetchSockets();
    return new Set(sockets.map((socket) => socket.data.userId));
  }
}
