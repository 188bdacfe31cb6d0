/** Claims of our access tokens. */
export interface AccessTokenClaims {
  sub: string;
  username: string;
  /** Epoch seconds; every token we issue expires. */
  exp?: number;
}
