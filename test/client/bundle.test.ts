import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The client as a browser bundler sees it: esbuild bundles client/src/index.ts for the browser
 * (no Node built-ins there, so one would fail the build) and lists every file it pulled in. The
 * server's types are imported with `import type`: erased, so neither they nor zod may show up.
 */
describe('the client bundle', () => {
  it('builds for browsers from its own files and its two packages only', async () => {
    // Act
    const { metafile, outputFiles } = await build({
      entryPoints: ['client/src/index.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(metafile.inputs);
    const packages = new Set(
      inputs.filter((path) => path.startsWith('node_modules/')).map((path) => path.split('/')[1]),
    );
    expect(inputs.filter((path) => !path.startsWith('node_modules/') && !path.startsWith('client/src/'))).toEqual([]);
    // standardwebhooks brings its two helpers (@stablelib/base64, fast-sha256) along.
    expect([...packages].sort()).toEqual(['@stablelib', 'eventsource-parser', 'fast-sha256', 'standardwebhooks']);
    expect(outputFiles[0]?.text).not.toMatch(/\bzod\b|@aws-sdk/);
  });
});
