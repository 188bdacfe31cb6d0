/** Claims of our access tokens. */
export interface AccessTokenClaims {
  sub: string;
  username: string;
}
