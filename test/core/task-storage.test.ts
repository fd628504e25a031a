import { describe, expect, it } from 'vitest';
import { TASK_STORAGE, clipMessage } from '../../functions/core/task-storage';

describe('clipMessage', () => {
  it('keeps a message up to the limit whole', () => {
    const text = 'x'.repeat(TASK_STORAGE.messageChars);
    expect(clipMessage(text)).toBe(text);
  });

  it('cuts a longer one and says how much was cut', () => {
    // Act
    const clipped = clipMessage('y'.repeat(TASK_STORAGE.messageChars + 1_000_000));

    // Assess
    expect(clipped.startsWith('y'.repeat(TASK_STORAGE.messageChars))).toBe(true);
    expect(clipped).toMatch(/ … \[1000000 more characters cut\]$/);
  });
});
