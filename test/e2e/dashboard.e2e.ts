import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, ONE_SECOND_RETRIES } from '../helpers/local-api';

/** Debian's Chromium (.ci/run installs it); Playwright's own browser download is not used. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RESULTS = 'test-results';
/** The browser's zone, not the machine's: the schedule form must default to it. */
const BROWSER_TIME_ZONE = 'Europe/Paris';
/** 09:00 on 1 January: a schedule that will not fire during the run, so no task of it joins the list. */
const NEW_YEAR_CRON = '0 9 1 1 *';

/** The dashboard as a user meets it after `npm start`: a real browser, the real local stack. */
describe('dashboard (GET /) in Chromium', () => {
  let stack: LocalStack;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let api: ReturnType<typeof apiClient>;
  const browserErrors: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 100,
      pollWaitSeconds: 1,
      stream: { pollIntervalMs: 200 },
      // The DLQ test's task fails all five attempts: a second apart, not generic's own backoff.
      retryBackoff: ONE_SECOND_RETRIES,
    });
    api = apiClient(stack.apiUrl, stack.apiKey);
    userDataDir = mkdtempSync(join(tmpdir(), 'tasklane-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1360, height: 820 },
      timezoneId: BROWSER_TIME_ZONE,
    });
    page = context.pages()[0] ?? (await context.newPage());
    // No slide-in or bar animations: screenshots show the settled page.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    page.on('pageerror', (error) => browserErrors.push(error.message));
    page.on('console', (message) => {
      // The deliberate 400 below shows as a failed resource load; script and CSP errors must not show at all.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        browserErrors.push(message.text());
    });
    mkdirSync(RESULTS, { recursive: true });
  });
  afterAll(async () => {
    await context?.close();
    await stack?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  const row = (id: string) => page.locator(`tr[data-task-id="${id}"]`);
  const progressOf = async (id: string) =>
    Number(await row(id).locator('[role=progressbar]').getAttribute('aria-valuenow'));
  const statusOf = (id: string) => row(id).locator('[data-status]').getAttribute('data-status');

  const scheduleRow = (id: string) => page.locator(`#schedules tr[data-schedule-id="${id}"]`);
  const enabledOf = (id: string) => scheduleRow(id).locator('[data-enabled]').getAttribute('data-enabled');
  /** The schedule the form created last, shared by the schedule tests below (they run in order). */
  let scheduleId: string;

  const fetchTask = async (id: string) =>
    (await fetch(`${stack.apiUrl}/tasks/${id}`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).json();

  async function createFromForm(payload: unknown): Promise<string> {
    const before = await page.locator('tr[data-task-id]').count();
    await page.fill('#create-payload', JSON.stringify(payload, null, 2));
    await page.click('#create-submit');
    await expect.poll(() => page.locator('tr[data-task-id]').count()).toBe(before + 1);
    return (await page.locator('tr[data-task-id]').first().getAttribute('data-task-id'))!;
  }

  it('opens with the local key, prefills the payload from the type schema, and shows validation details', async () => {
    // Act
    await page.goto(`${stack.apiUrl}/`);
    await page.waitForSelector('#create-type option[value="generic"]', { state: 'attached' });
    const prefilled = JSON.parse(await page.inputValue('#create-payload'));
    await page.fill('#create-payload', '{"steps": 0}');
    await page.click('#create-submit');
    await page.waitForSelector('#create-errors:not([hidden])');
    const errors = await page.textContent('#create-errors');

    // Assess
    expect(await page.inputValue('#key')).toBe(stack.apiKey);
    expect(prefilled).toEqual({ steps: 3, step_ms: 1000, fail_attempts: 0 });
    expect(errors).toContain('The payload is not valid for task type "generic".');
    expect(errors).toContain('payload.steps');
  });

  it('creates a task and moves its bar forward live until 100 %', async () => {
    // Prepare: the page calls the API through @tasklane/client, which keys every create.
    const creates: Array<string | undefined> = [];
    const onRequest = (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/tasks')
        creates.push(request.headers()['idempotency-key']);
    };
    page.on('request', onRequest);

    // Act
    const id = await createFromForm({ steps: 5, step_ms: 400 });
    page.off('request', onRequest);
    const seen: number[] = [];
    await expect
      .poll(
        async () => {
          seen.push(await progressOf(id));
          return statusOf(id);
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe('completed');

    // Assess
    expect(await progressOf(id)).toBe(100);
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(creates).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });

  it('cancels a running task from its row', async () => {
    // Prepare
    const id = await createFromForm({ steps: 100, step_ms: 200 });
    await expect.poll(() => progressOf(id), { timeout: 30_000 }).toBeGreaterThan(0);

    // Act
    await row(id).locator('button[data-action=cancel]').click();

    // Assess
    await expect.poll(() => statusOf(id), { timeout: 30_000 }).toBe('canceled');
    expect(await progressOf(id)).toBeLessThan(100);
    expect(await row(id).locator('button[data-action=cancel]').count()).toBe(0);
  });

  it('shows a task in detail, and renders without script or policy errors', async () => {
    // Prepare: one task of each kind on screen for the screenshot.
    const completed = page.locator('tr[data-task-id]:has([data-status=completed])').first();
    const running = await createFromForm({ steps: 40, step_ms: 250 });
    await expect.poll(() => progressOf(running), { timeout: 30_000 }).toBeGreaterThan(10);
    await page.fill('#create-payload', JSON.stringify({ steps: 3, step_ms: 1000, fail_attempts: 0 }, null, 2));
    await page.screenshot({ path: `${RESULTS}/dashboard.png`, fullPage: true });
    await row(running).locator('button[data-action=cancel]').click();

    // Act
    await completed.click();
    await page.waitForSelector('aside.open h3:text("Result")');
    const detail = await page.textContent('aside');
    await page.screenshot({ path: `${RESULTS}/dashboard-detail.png`, fullPage: true });

    // Assess
    expect(detail).toContain('"elapsed_ms": 2000');
    expect(detail).toContain('1 of 5');
    expect(browserErrors).toEqual([]);
  });

  it('reruns a finished task from its detail, opening the new task', async () => {
    // Prepare: the previous test's detail closed, as a user would.
    await page.keyboard.press('Escape');
    const original = await createFromForm({ steps: 1, step_ms: 0 });
    await expect.poll(() => statusOf(original), { timeout: 30_000 }).toBe('completed');
    await row(original).click();

    // Act
    await page.click('aside.open button[data-action=rerun]');

    // Assess
    await expect.poll(() => page.locator('tr[data-task-id]').first().getAttribute('data-task-id')).not.toBe(original);
    const rerun = (await page.locator('tr[data-task-id]').first().getAttribute('data-task-id'))!;
    await expect.poll(() => statusOf(rerun), { timeout: 30_000 }).toBe('completed');
    expect((await fetchTask(rerun)).rerun_of).toBe(original);
    expect(browserErrors).toEqual([]);
  });

  it("shows the type's DLQ depth and redrives it into reruns with one click", async () => {
    // Prepare: a task that fails every attempt, its message moved to the DLQ.
    await page.keyboard.press('Escape');
    const failing = await createFromForm({ steps: 1, step_ms: 0, fail_attempts: 5 });
    await expect.poll(() => statusOf(failing), { timeout: 60_000 }).toBe('failed');
    const redrive = page.locator('#task-types tr[data-type="generic"] button');
    await expect
      .poll(
        async () => {
          await page.reload();
          return redrive.count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(1);

    // Act
    await redrive.click();

    // Assess
    await expect
      .poll(() => page.textContent('#banner'), { timeout: 30_000 })
      .toContain('Redrove 1 generic task(s) into reruns');
    await expect.poll(() => redrive.count(), { timeout: 10_000 }).toBe(0);
    expect(browserErrors).toEqual([]);
  });

  it("shows each type's queue depth, the last hour's waits and run times, a chart of finished tasks, and event batches", async () => {
    // Prepare: a few generic tasks that complete (the DLQ test above left one that failed), and a full batch of events.
    const ids = await Promise.all(
      Array.from(
        { length: 3 },
        async () => (await api.create('generic', { steps: 1, step_ms: 0 })).body.task_id as string,
      ),
    );
    await expect
      .poll(async () => (await Promise.all(ids.map(fetchTask))).map((t) => t.status), { timeout: 30_000 })
      .toEqual(['completed', 'completed', 'completed']);
    await api.request(
      'POST',
      '/events',
      Array.from({ length: 10 }, (_, n) => ({ n })),
    );
    const generic = page.locator('#task-types tr[data-type="generic"]');
    const bars = (outcome: string) => generic.locator(`svg[data-chart="finished"] rect[data-outcome="${outcome}"]`);

    // Act
    await expect
      .poll(
        async () => {
          await page.reload();
          await generic.locator('svg[data-chart="finished"]').waitFor({ timeout: 10_000 });
          return (await bars('completed').count()) > 0 && (await page.locator('#batches tr').count()) > 0;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);

    // Assess
    expect(await bars('failed').count()).toBeGreaterThan(0);
    const completedTitles = await bars('completed').evaluateAll((rects) => rects.map((r) => r.textContent ?? ''));
    const completed = completedTitles.reduce((sum, title) => sum + Number.parseInt(title, 10), 0);
    expect(completed).toBeGreaterThanOrEqual(3);
    for (const stat of ['wait-p50', 'wait-p95', 'run-p50', 'run-p95']) {
      expect(await generic.locator(`[data-stat="${stat}"]`).textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    }
    const queueDepths = await page.locator('#task-types [data-stat="queue-depth"]').allTextContents();
    expect(queueDepths.length).toBeGreaterThan(1);
    for (const depth of queueDepths) expect(depth).toMatch(/^\d+$/);
    expect(await page.locator('#batches tr').first().locator('td').nth(1).textContent()).toBe('10');
    await page.locator('#task-types').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}/dashboard-stats.png`, fullPage: true });
    expect(browserErrors).toEqual([]);
  });

  it('shows the time left before a delayed task starts in its row, and its run_at and start_by in detail', async () => {
    // Prepare: a task delayed ten minutes, created by a script rather than the form.
    const { body: task } = await api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      delay_seconds: 600,
      ttl_seconds: 900,
    });
    const startsIn = row(task.task_id).locator('[data-countdown]');

    // Act: the listing brings it in; the countdown then runs without a reload.
    await expect.poll(() => startsIn.count(), { timeout: 15_000 }).toBe(1);
    const first = await startsIn.textContent();
    await expect.poll(() => startsIn.textContent(), { timeout: 5_000, interval: 200 }).not.toBe(first);
    await row(task.task_id).click();
    const runAt = await page.textContent('aside.open dt:text-is("Run at") + dd');
    const startBy = await page.textContent('aside.open dt:text-is("Start by") + dd');
    await page.keyboard.press('Escape');

    // Assess
    expect(await statusOf(task.task_id)).toBe('scheduled');
    expect(first).toMatch(/^starts in (10 min|9 min \d{1,2} s)$/);
    expect(await startsIn.textContent()).toMatch(/^starts in 9 min \d{1,2} s$/);
    expect(runAt).toBe(task.run_at);
    expect(startBy).toBe(task.start_by);
    expect(browserErrors).toEqual([]);
  });

  it("shows the API's validation details for a schedule it refuses", async () => {
    // Prepare
    await page.selectOption('#schedule-type', 'generic');
    await page.fill('#schedule-cron', '0 0 9 * * *');
    await page.fill('#schedule-timezone', 'Mars/Olympus');

    // Act
    await page.click('#schedule-submit');
    await page.waitForSelector('#schedule-errors:not([hidden])');
    const errors = await page.textContent('#schedule-errors');

    // Assess
    expect(errors).toContain('The schedule is not valid: timezone and cron.');
    expect(errors).toContain('"Mars/Olympus" is not one');
    expect(errors).toContain('got 6 fields');
    expect(await page.locator('#schedules tr[data-schedule-id]').count()).toBe(0);
  });

  it("creates a schedule from the form, in the browser's time zone, and lists it with its next run", async () => {
    // Prepare: a fresh page, so the time zone is the form's default again.
    await page.reload();
    await page.waitForSelector('#schedule-type option[value="generic"]', { state: 'attached' });
    const defaultZone = await page.inputValue('#schedule-timezone');
    await page.selectOption('#schedule-type', 'generic');
    await page.fill('#schedule-cron', NEW_YEAR_CRON);
    await page.fill('#schedule-payload', JSON.stringify({ steps: 2, step_ms: 100 }));

    // Act
    await page.click('#schedule-submit');
    const listed = page.locator('#schedules tr[data-schedule-id]');
    await expect.poll(() => listed.count()).toBe(1);
    scheduleId = (await listed.first().getAttribute('data-schedule-id'))!;

    // Assess
    const { body: schedule } = await api.request('GET', `/schedules/${scheduleId}`);
    expect(defaultZone).toBe(BROWSER_TIME_ZONE);
    expect(schedule).toMatchObject({
      type: 'generic',
      cron: NEW_YEAR_CRON,
      timezone: BROWSER_TIME_ZONE,
      enabled: true,
    });
    expect(schedule.payload).toEqual({ steps: 2, step_ms: 100, fail_attempts: 0 });
    // 09:00 in Paris on 1 January is 08:00 UTC: the zone was applied, not UTC.
    expect(schedule.next_run_at).toMatch(/-01-01T08:00:00\.000Z$/);
    const cells = await scheduleRow(scheduleId).locator('td').allTextContents();
    expect(cells.slice(1, 3)).toEqual([NEW_YEAR_CRON, BROWSER_TIME_ZONE]);
    expect(await scheduleRow(scheduleId).locator('time').getAttribute('datetime')).toBe(schedule.next_run_at);
    expect(await scheduleRow(scheduleId).locator('[data-countdown]').textContent()).toMatch(/^in \d+ d \d+ h$/);
    expect(await enabledOf(scheduleId)).toBe('true');
    expect(await page.isHidden('#schedule-errors')).toBe(true);
    await page.screenshot({ path: `${RESULTS}/dashboard-schedules.png`, fullPage: true });
  });

  it('pauses a schedule from its row', async () => {
    // Act
    await scheduleRow(scheduleId).locator('button[data-action=pause]').click();

    // Assess
    await expect.poll(() => enabledOf(scheduleId)).toBe('false');
    expect(await scheduleRow(scheduleId).locator('[data-enabled]').textContent()).toBe('paused');
    expect(await scheduleRow(scheduleId).locator('time').count()).toBe(0);
    expect((await api.request('GET', `/schedules/${scheduleId}`)).body).toMatchObject({
      enabled: false,
      next_run_at: null,
    });
  });

  it('resumes a paused schedule from its row', async () => {
    // Act
    await scheduleRow(scheduleId).locator('button[data-action=resume]').click();

    // Assess
    await expect.poll(() => enabledOf(scheduleId)).toBe('true');
    const { body: schedule } = await api.request('GET', `/schedules/${scheduleId}`);
    expect(schedule.enabled).toBe(true);
    expect(await scheduleRow(scheduleId).locator('time').getAttribute('datetime')).toBe(schedule.next_run_at);
  });

  it('deletes a schedule only once the user confirms', async () => {
    // Prepare
    const asked: string[] = [];
    const answer = (accept: boolean) =>
      page.once('dialog', (dialog) => {
        asked.push(dialog.message());
        void (accept ? dialog.accept() : dialog.dismiss());
      });
    const remove = scheduleRow(scheduleId).locator('button[data-action=delete]');

    // Act: say no, then yes.
    answer(false);
    await remove.click();
    const keptOnNo = (await api.request('GET', `/schedules/${scheduleId}`)).status;
    answer(true);
    await remove.click();
    await expect.poll(() => scheduleRow(scheduleId).count()).toBe(0);

    // Assess
    expect(asked).toHaveLength(2);
    expect(asked[0]).toContain(scheduleId);
    expect(keptOnNo).toBe(200);
    expect((await api.request('GET', `/schedules/${scheduleId}`)).status).toBe(404);
    expect(await page.isVisible('#schedules-empty')).toBe(true);
  });

  it('lists more schedules than a page with More', async () => {
    // Prepare: one more than a page (20), paused so none fires.
    const ids = await Promise.all(
      Array.from({ length: 21 }, async () => {
        const { body } = await api.request('POST', '/schedules', {
          type: 'generic',
          cron: NEW_YEAR_CRON,
          enabled: false,
        });
        return body.schedule_id as string;
      }),
    );
    await page.reload();
    const listed = page.locator('#schedules tr[data-schedule-id]');
    await expect.poll(() => listed.count()).toBe(20);

    // Act
    await page.click('#schedules-more');

    // Assess
    await expect.poll(() => listed.count()).toBe(21);
    const shown = await listed.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-schedule-id')));
    expect(new Set(shown)).toEqual(new Set(ids));
    expect(await page.isHidden('#schedules-more')).toBe(true);
    expect(browserErrors).toEqual([]);
  });

  /** The workflow the deep-link test created, shared by the filter tests below (they run in order). */
  let workflowId: string;
  const shownTypes = () => page.locator('tr[data-task-id] .type').allTextContents();

  it("opens a task's page from its URL, with its timeline, its steps and links to its children and back", async () => {
    // Prepare: a finished workflow that spawned two children.
    const { body: workflow } = await api.request('POST', '/tasks', { type: 'workflow', payload: { children: 2 } });
    workflowId = workflow.task_id;
    await expect.poll(async () => (await fetchTask(workflowId)).status, { timeout: 60_000 }).toBe('completed');
    const children = (await fetchTask(workflowId)).steps.filter((step: { kind: string }) => step.kind === 'child');

    // Act: a fresh load of the task's URL, as from a link someone sent; then its first child's link.
    await page.goto('about:blank');
    await page.goto(`${stack.apiUrl}/#/tasks/${workflowId}`);
    await page.waitForSelector('aside.open [data-timeline] li');
    const timeline = await page
      .locator('aside.open [data-timeline] li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-status')));
    const times = await page.locator('aside.open [data-timeline] time').count();
    const childStep = await page.locator('aside.open tr[data-step="child-1"] td').allTextContents();
    await page.screenshot({ path: `${RESULTS}/dashboard-task-page.png`, fullPage: true });
    await page.click(`aside.open tr[data-step="child-1"] a[data-task-link="${children[0].task_id}"]`);
    await page.waitForSelector(`aside.open a[data-task-link="${workflowId}"]`);

    // Assess
    expect(children).toHaveLength(2);
    expect(timeline[0]).toBe('pending');
    // The full status_history of GET /tasks/{id}: the wait for the children shows, not only start and end.
    expect(timeline).toContain('waiting');
    expect(timeline.at(-1)).toBe('completed');
    expect(times).toBe(timeline.length);
    expect(childStep.slice(1, 4)).toEqual(['child', 'completed', '1']);
    expect(childStep[0]).toContain(children[0].task_id);
    expect(page.url()).toBe(`${stack.apiUrl}/#/tasks/${children[0].task_id}`);
    expect(await page.textContent('aside.open h2')).toContain('generic');
    expect(await page.textContent('aside.open dt:text-is("Parent") + dd')).toBe(workflowId);
    expect(browserErrors).toEqual([]);
  });

  it('cancels the selected tasks with one bulk action, and says what it did', async () => {
    // Prepare: back to the list; three tasks delayed ten minutes, two of them selected.
    await page.keyboard.press('Escape');
    const delayed = async () =>
      (
        await api.request('POST', '/tasks', {
          type: 'generic',
          payload: { steps: 1, step_ms: 0 },
          delay_seconds: 600,
        })
      ).body.task_id as string;
    const [first, second, bystander] = [await delayed(), await delayed(), await delayed()] as [string, string, string];
    await expect
      .poll(() => Promise.all([first, second, bystander].map((id) => row(id).count())), { timeout: 15_000 })
      .toEqual([1, 1, 1]);
    await row(first).locator('input[data-action=select]').check();
    await row(second).locator('input[data-action=select]').check();

    // Act
    await page.click('#bulk-cancel');

    // Assess
    await expect
      .poll(() => page.textContent('#banner'), { timeout: 30_000 })
      .toBe('Bulk cancel completed: matched 2, applied 2, skipped 0.');
    await expect
      .poll(() => Promise.all([first, second].map(statusOf)), { timeout: 15_000 })
      .toEqual(['canceled', 'canceled']);
    expect((await fetchTask(first)).status).toBe('canceled');
    expect((await fetchTask(second)).status).toBe('canceled');
    expect((await fetchTask(bystander)).status).toBe('scheduled');
    expect(await statusOf(bystander)).toBe('scheduled');
    expect(await page.isDisabled('#bulk-cancel')).toBe(true);
    expect(browserErrors).toEqual([]);
  });

  it('filters the list by type', async () => {
    // Prepare: the list shows several types (generic, workflow, bulk).
    expect(new Set(await shownTypes()).size).toBeGreaterThan(1);

    // Act
    await page.selectOption('#type-filter', 'workflow');

    // Assess: the one workflow of this run, and nothing else.
    await expect.poll(shownTypes).toEqual(['workflow']);
    expect(await row(workflowId).count()).toBe(1);
  });

  /** The workflow's creation time moved by `offsetMs`, as the browser's local time (a datetime-local value). */
  async function localTime(offsetMs: number): Promise<string> {
    const created = (await row(workflowId).locator('td[title]').getAttribute('title'))!;
    return page.evaluate(
      ({ iso, offset }) => {
        const at = new Date(Date.parse(iso) + offset);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
      },
      { iso: created, offset: offsetMs },
    );
  }

  it('keeps a task created within the time range', async () => {
    // Prepare: a minute before to two minutes after the workflow's creation (the inputs count minutes).
    const after = await localTime(-60_000);
    const before = await localTime(120_000);

    // Act
    await page.fill('#created-after', after);
    await page.fill('#created-before', before);

    // Assess
    await expect.poll(shownTypes).toEqual(['workflow']);
  });

  it('hides a task created before the time range', async () => {
    // Prepare
    const after = await localTime(60_000);

    // Act
    await page.fill('#created-after', after);

    // Assess
    await expect.poll(() => page.locator('tr[data-task-id]').count()).toBe(0);
    expect(await page.isVisible('#empty')).toBe(true);
    expect(browserErrors).toEqual([]);
  });
});
