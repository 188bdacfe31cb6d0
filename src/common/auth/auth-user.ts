/** The authenticated caller, as the access token names it. */
export interface AuthUser {
  id: number;
  username: string;
}
