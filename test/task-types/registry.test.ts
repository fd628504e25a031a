import { afterEach, describe, expect, it, vi } from 'vitest';
import { TASK_TYPES } from '../../functions/task-types/registry';

/** The registry as a worker bundled for one type sees it: esbuild replaces the variable there, the environment here. */
async function registryBundledFor(name: string) {
  vi.stubEnv('TASKLANE_BUNDLED_TYPE', name);
  vi.resetModules();
  return (await import('../../functions/task-types/registry')).TASK_TYPES;
}

describe('TASK_TYPES', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('lists every type, each once, when no worker bundle picks one', () => {
    // Act
    const names = TASK_TYPES.map((t) => t.name);

    // Assess
    expect(names).toEqual(expect.arrayContaining(['generic', 'email', 'export', 'import', 'bulk', 'workflow']));
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(TASK_TYPES.map((t) => t.name))(
    'keeps %s alone in a worker bundled for it (its line names it)',
    async (name) => {
      // Act
      const bundled = await registryBundledFor(name);

      // Assess
      expect(bundled.map((t) => t.name)).toEqual([name]);
    },
  );

  it('keeps no type in a bundle for a name no line has', async () => {
    // Act
    const bundled = await registryBundledFor('nonexistent');

    // Assess
    expect(bundled).toEqual([]);
  });
});
