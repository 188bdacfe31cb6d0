/**
 * A check at start found the settings and the database at odds: the message says what is wrong and
 * what to do, so it is reported without a stack.
 */
export class StartupCheckError extends Error {}
