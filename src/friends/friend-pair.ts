/** A pair of users in canonical order: how friendships are stored and pair locks are keyed. */
export interface FriendPair {
  low: number;
  high: number;
}

export function friendPair(a: number, b: number): FriendPair {
  return a < b ? { low: a, high: b } : { low: b, high: a };
}
