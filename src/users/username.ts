import { USERNAME_PATTERN, USERNAME_SCHEMA } from './dto/username.validator';

/**
 * Usernames are ASCII by rule (the users_username_format check), so comparing them needs no
 * locale: this is `lower(username COLLATE "C")`, what the unique index users_username_lower_key
 * holds. JavaScript's toLowerCase and PostgreSQL's lower() under a Unicode locale disagree on
 * letters such as `İ`; neither is used on usernames.
 */
export function usernameKey(username: string): string {
  return username.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Whether some account could have this username; anything else names nobody. */
export function isPossibleUsername(text: string): boolean {
  return (
    text.length >= USERNAME_SCHEMA.minLength &&
    text.length <= USERNAME_SCHEMA.maxLength &&
    USERNAME_PATTERN.test(text)
  );
}

/**
 * What a username looks like, once the characters a reader confuses are made one: 0 and o, 1, l
 * and I (shown in capitals, `I` reads as `l`), rn and m, vv and w. Two usernames with one
 * skeleton cannot both be taken (users_username_skeleton_key), and the database checks that the
 * stored skeleton is this function's result (users_username_skeleton_matches).
 */
export function usernameSkeleton(username: string): string {
  return usernameKey(username)
    .replaceAll('rn', 'm')
    .replaceAll('vv', 'w')
    .replace(/[i1]/g, 'l')
    .replaceAll('0', 'o');
}
