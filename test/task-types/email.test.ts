import { describe, expect, it } from 'vitest';
import { MAX_RECIPIENTS, emailPayload } from '../../functions/task-types/email';

describe('email payload', () => {
  it('turns a single recipient into a list', () => {
    // Act
    const parsed = emailPayload.parse({ to: 'a@example.com', subject: 'Hi', text: 'x', reply_to: 'r@example.com' });

    // Assess
    expect(parsed).toEqual({ to: ['a@example.com'], subject: 'Hi', text: 'x', reply_to: ['r@example.com'] });
  });

  it.each([
    ['no body at all', { to: 'a@example.com', subject: 'Hi' }, 'text'],
    ['an empty recipient list', { to: [], subject: 'Hi', text: 'x' }, 'to'],
    ['a recipient without a domain', { to: 'a@', subject: 'Hi', text: 'x' }, 'to'],
    ['one bad address in a list', { to: ['a@example.com', 'nope'], subject: 'Hi', text: 'x' }, 'to.1'],
    [
      `more than ${MAX_RECIPIENTS} recipients`,
      { to: Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => `u${i}@example.com`), subject: 'Hi', text: 'x' },
      'to',
    ],
    ['a blank subject', { to: 'a@example.com', subject: '   ', text: 'x' }, 'subject'],
    ['a subject over 998 characters', { to: 'a@example.com', subject: 's'.repeat(999), text: 'x' }, 'subject'],
    ['an empty html body', { to: 'a@example.com', subject: 'Hi', html: '' }, 'html'],
    ['a bad sender', { to: 'a@example.com', subject: 'Hi', text: 'x', from: 'me' }, 'from'],
    ['an unknown field', { to: 'a@example.com', subject: 'Hi', text: 'x', cc: 'b@example.com' }, ''],
  ])('refuses %s', (_case, payload, path) => {
    // Act
    const parsed = emailPayload.safeParse(payload);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts html alone and exactly 50 recipients', () => {
    // Act
    const parsed = emailPayload.safeParse({
      to: Array.from({ length: MAX_RECIPIENTS }, (_, i) => `u${i}@example.com`),
      subject: 'Hi',
      html: '<p>x</p>',
    });

    // Assess
    expect(parsed.success).toBe(true);
  });
});
