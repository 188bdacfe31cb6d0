/**
 * An app's own id of a person (`users.external_id`), from the admin API's path or an identity
 * provider's `sub`: 1-255 printable ASCII characters without spaces (UUIDs, numbers, emails).
 */
export function isExternalId(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21-\x7e]{1,255}$/.test(value);
}
