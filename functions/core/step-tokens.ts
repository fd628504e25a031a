import { randomBytes } from 'node:crypto';

/** Random bytes of a token: 192 bits, unguessable. */
const TOKEN_BYTES = 24;

/** A new token of a task: `<task id>.<random, base64url>` (task ids hold no dot). */
export function newToken(taskId: string): string {
  return `${taskId}.${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** The task a token belongs to, or undefined if it cannot be a token. */
export function taskIdOfToken(token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  return dot > 0 && dot < token.length - 1 ? token.slice(0, dot) : undefined;
}
