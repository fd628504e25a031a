import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app';
import type { DashboardOptions } from '../../functions/api/dashboard-route';
import type { Log } from '../../functions/core/ports';
import type { TaskService } from '../../functions/core/task-service';
import { loadDashboardHtml } from '../../functions/dashboard/page';
import { taskTypes } from '../../functions/task-types/registry';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const html = loadDashboardHtml();

/** The app with nothing behind it but the dashboard: GET / must not need the tasks service. */
function appWith(dashboard: DashboardOptions) {
  return createApp({
    tasks: {} as TaskService,
    types: taskTypes,
    resolveTenant: async () => undefined,
    log: silent,
    dashboard,
  });
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('GET / (dashboard)', () => {
  it('serves the page without a key while every API route still needs one', async () => {
    // Act
    const page = await appWith({ html }).request('/');
    const tasks = await appWith({ html }).request('/tasks');

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<meta name="tasklane-api-key" content="">');
    expect(tasks.status).toBe(401);
  });

  it('allows exactly its own inline script and style, and talks to its own origin only', async () => {
    // Prepare
    const script = /<script type="module">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;

    // Act
    const page = await appWith({ html }).request('/');

    // Assess
    const policy = page.headers.get('content-security-policy')!;
    // 'self': the client module the page imports (GET /client.js).
    expect(policy).toContain(`script-src 'self' ${sha256(script)}`);
    expect(policy).toContain(`style-src ${sha256(style)}`);
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('starts with the preset key, attribute-escaped, when the local stack gives one', async () => {
    // Act
    const page = await appWith({ html, apiKey: 'tl_abcdefgh_"><script>x</script>' }).request('/', {
      headers: { host: 'localhost:3000' },
    });

    // Assess
    expect(await page.text()).toContain(
      '<meta name="tasklane-api-key" content="tl_abcdefgh_&quot;&gt;&lt;script&gt;x&lt;/script&gt;">',
    );
  });

  it.each(['localhost', 'localhost:3000', '127.0.0.1', '127.0.0.1:3000', '[::1]', '[::1]:3000', 'LOCALHOST:3000'])(
    'hands the preset key to a page asked for as %s',
    async (host) => {
      // Act
      const page = await appWith({ html, apiKey: 'tl_abcdefgh_secret' }).request('/', { headers: { host } });

      // Assess
      expect(await page.text()).toContain('<meta name="tasklane-api-key" content="tl_abcdefgh_secret">');
    },
  );

  it.each([
    ['another name that resolves to loopback (DNS rebinding)', 'evil.example:3000'],
    ['a name that starts like localhost', 'localhost.evil.example:3000'],
    ['a name that starts like 127.0.0.1', '127.0.0.1.nip.io:3000'],
    ['a name with localhost as its last label', 'evil.localhost:3000'],
    ['another loopback address', '127.0.0.2:3000'],
    ['user info before the host', 'localhost@evil.example'],
  ])('serves the page without the key to a request for %s', async (_, host) => {
    // Act
    const page = await appWith({ html, apiKey: 'tl_abcdefgh_secret' }).request('/', { headers: { host } });

    // Assess
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('<meta name="tasklane-api-key" content="">');
    expect(text).not.toContain('tl_abcdefgh_secret');
  });

  it('serves the page without the key when the request names no host', async () => {
    // Prepare
    const request = new Request('http://localhost/');
    request.headers.delete('host');

    // Act
    const page = await appWith({ html, apiKey: 'tl_abcdefgh_secret' }).fetch(request);

    // Assess
    expect(await page.text()).not.toContain('tl_abcdefgh_secret');
  });

  it('refuses a page without the key placeholder at startup', () => {
    expect(() => appWith({ html: '<html></html>' })).toThrow(
      'The dashboard page lacks <meta name="tasklane-api-key" content="">.',
    );
  });
});

describe('GET /client.js', () => {
  it('serves the client module, built once however many ask', async () => {
    // Prepare
    let builds = 0;
    const app = appWith({
      html,
      clientScript: async () => {
        builds++;
        return 'export class Tasklane {}';
      },
    });

    // Act
    const [first, second] = await Promise.all([app.request('/client.js'), app.request('/client.js')]);

    // Assess
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await first.text()).toBe('export class Tasklane {}');
    expect(await second.text()).toBe('export class Tasklane {}');
    expect(builds).toBe(1);
  });

  it('tries again after a failed build instead of keeping the failure', async () => {
    // Prepare
    let builds = 0;
    const app = appWith({
      html,
      clientScript: async () => {
        builds++;
        if (builds === 1) throw new Error('esbuild failed');
        return 'export {}';
      },
    });

    // Act
    const failed = await app.request('/client.js');
    const retried = await app.request('/client.js');

    // Assess
    expect(failed.status).toBe(500);
    expect(retried.status).toBe(200);
    expect(builds).toBe(2);
  });

  it('is not served without a client script', async () => {
    // Act
    const response = await appWith({ html }).request('/client.js');

    // Assess
    expect(response.status).toBe(401);
  });
});

describe('GET / with the streams at another origin (AWS: StreamUrl)', () => {
  it('tells the page the stream URL and lets it connect there, and nowhere else', async () => {
    // Act
    const page = await appWith({
      html,
      streamUrl: 'https://rest123.execute-api.us-east-1.amazonaws.com/prod/',
    }).request('/');

    // Assess
    expect(await page.text()).toContain(
      '<meta name="tasklane-stream-url" content="https://rest123.execute-api.us-east-1.amazonaws.com/prod/">',
    );
    expect(page.headers.get('content-security-policy')).toContain(
      "connect-src 'self' https://rest123.execute-api.us-east-1.amazonaws.com;",
    );
  });

  it("leaves the stream URL empty (the page's own origin) without one", async () => {
    // Act
    const page = await appWith({ html }).request('/');

    // Assess
    expect(await page.text()).toContain('<meta name="tasklane-stream-url" content="">');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self';");
  });
});
