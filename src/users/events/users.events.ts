/** Names of the domain events this module publishes after its transactions commit. */
export const UsersEvents = {
  suspended: 'user.suspended',
  deleted: 'user.deleted',
} as const;

/** The user may not act any more: their open sockets are closed on every replica. */
export class UserSuspendedEvent {
  constructor(readonly userId: number) {}
}

/** The account is deleted: its open sockets are closed on every replica. */
export class UserDeletedEvent {
  constructor(readonly userId: number) {}
}
