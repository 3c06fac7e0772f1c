import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { addNodeByHand, signIn } from './helpers';
import { SimulatedCluster } from './simulator';

const TEMPLATE = 'debian-12-standard_12.12-1_amd64.tar.zst';

// Its own simulated node ("gamma"), fast, so that jobs finish within the test.
test.describe.serial('creating containers', () => {
  let gamma: SimulatedCluster;

  test.beforeAll(async () => {
    gamma = await SimulatedCluster.start(['--nodes', '1', '--containers', '2']);
  });

  test.afterAll(async () => {
    await gamma?.stop();
  });

  /** Start → Configure with gamma chosen and its choices loaded. */
  async function configure(page: Page, hostname: string, vmid: string) {
    await page.goto('/containers/new');
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    await expect(page).toHaveURL(/\/containers\/new\/[a-z0-9]+\/configure$/);
    const form = page.getByTestId('wizard-form');
    // Hydrated: the live checks and the node's choices follow the inputs.
    await expect(form).toHaveAttribute('data-live', 'yes');
    await form.getByLabel('Node').selectOption({ label: 'gamma' });
    await form.getByLabel('OS template').selectOption({ label: TEMPLATE });
    await form.getByLabel('Hostname').fill(hostname);
    await form.getByLabel('VMID').fill(vmid);
    return form;
  }

  test('walk the wizard, reload midway, create, watch it finish, open the container', async ({ page }) => {
    test.setTimeout(120_000);
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await signIn(page);
    await addNodeByHand(page, 'gamma', gamma.details('pve'));

    const form = await configure(page, 'e2e-web', '100');
    await expect(page.getByTestId('vmid-state')).toHaveText('taken');
    await form.getByLabel('VMID').fill('130');
    await expect(page.getByTestId('vmid-state')).toHaveText('free');
    await form.getByLabel('Hostname').fill('-bad-');
    await expect(form.getByText('1–63 letters, digits or hyphens')).toBeVisible();
    await form.getByLabel('Hostname').fill('e2e-web');
    await expect(form.locator('[data-field="hostname"]')).toHaveCount(0);
    // The same checks as the server, field by field, as they are typed.
    await form.getByLabel('Static', { exact: true }).check();
    await form.getByLabel('Address/prefix').first().fill('192.0.2.10/24');
    await form.getByLabel('Gateway').first().fill('198.51.100.1');
    await expect(form.locator('[data-field="gateway4"]')).toContainText(
      'the gateway must be another address in 192.0.2.10/24',
    );
    await form.getByLabel('Gateway').first().fill('');
    await form.getByLabel('DHCP', { exact: true }).check();
    await expect(form.locator('[data-field="gateway4"]')).toHaveCount(0);
    await form.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/packages$/);

    // Back, then a reload: the values are the draft's.
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page).toHaveURL(/\/configure$/);
    await page.reload();
    await expect(page.getByTestId('wizard-form')).toHaveAttribute('data-live', 'yes');
    await expect(page.getByTestId('wizard-form').getByLabel('Hostname')).toHaveValue('e2e-web');
    await expect(page.getByTestId('wizard-form').getByLabel('VMID')).toHaveValue('130');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByLabel('Extra packages').fill('nginx\ncurl');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/scripts$/);
    const slot = page.getByTestId('script-slot').first();
    await slot.getByLabel('Name').fill('hello');
    await slot.getByLabel(/Shell script/).fill('echo hello from e2e\n');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/review$/);
    const review = page.getByTestId('review');
    await expect(review).toContainText('gamma');
    await expect(review).toContainText('e2e-web');
    await expect(review).toContainText('nginx, curl');
    await expect(review).toContainText('hello');

    const clicked = Date.now();
    await page.getByRole('button', { name: 'Create container' }).click();
    await page.waitForURL(/\/jobs\/[a-z0-9]+$/, { waitUntil: 'domcontentloaded' });
    const shown = Date.now();
    // The first event delivered by the stream (the stored "Queued" line is rendered first).
    await expect(page.locator('[data-testid="log"] [data-seq="2"]')).toBeAttached({ timeout: 20_000 });
    console.log(
      `create → progress page shown: ${shown - clicked} ms; → first streamed progress event: ${Date.now() - clicked} ms`,
    );
    await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 60_000 });
    expect(logs.filter((l) => l.startsWith('error') || l.startsWith('pageerror'))).toEqual([]);
    await expect(page.getByTestId('progress')).toHaveAttribute('value', '100');
    await expect(page.getByTestId('log')).toContainText('hello from e2e');
    await expect(page.getByTestId('log')).toContainText('Setting up nginx');
    await expect(page.getByTestId('scripts')).toContainText('succeeded');
    await page.getByRole('button', { name: 'Show the root password (once)' }).click();
    await expect(page.getByTestId('root-password')).toHaveText(/^[A-Za-z0-9]{24}$/);
    await page.getByRole('link', { name: 'Open container' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('e2e-web');
  });

  test('a script that exits 1 fails the job and the container is removed', async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page);
    const form = await configure(page, 'e2e-broken', '131');
    await expect(page.getByTestId('vmid-state')).toHaveText('free');
    await form.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    const slot = page.getByTestId('script-slot').first();
    await slot.getByLabel('Name').fill('broken');
    await slot.getByLabel(/Shell script/).fill('echo about to fail\nexit 1\n');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Create container' }).click();
    await expect(page.getByTestId('job-state')).toHaveText('failed', { timeout: 60_000 });
    const failed = page.getByTestId('job-failed');
    await expect(failed).toContainText('Scripts');
    await expect(failed).toContainText('script broken failed (exit status 1)');
    await expect(page.getByTestId('cleanup')).toContainText('CT 131 was stopped and destroyed');
    await expect(page.getByTestId('log')).toContainText('about to fail');
  });
});

test.describe('creating a container without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  let delta: SimulatedCluster;

  test.beforeAll(async () => {
    delta = await SimulatedCluster.start(['--nodes', '1', '--containers', '1', '--seed', '3']);
  });

  test.afterAll(async () => {
    await delta?.stop();
  });

  test('every step is a plain form, up to the progress page', async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page);
    await addNodeByHand(page, 'delta', delta.details('pve'));
    await page.goto('/containers/new');
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    const form = page.getByTestId('wizard-form');
    await form.getByLabel('Node').selectOption({ label: 'delta' });
    await form.getByRole('button', { name: "Load this node's choices" }).click();
    await expect(page).toHaveURL(/\/configure$/);
    await form.getByLabel('OS template').selectOption({ label: TEMPLATE });
    await form.getByLabel('Hostname').fill('nojs-1');
    await form.getByLabel('VMID').fill('140');
    await form.getByLabel('Memory (MiB)').fill('1');
    await form.getByRole('button', { name: 'Next' }).click();
    // Refused by the server, pointing at the field; the typed values stay.
    await expect(page.locator('[data-field="memory"]')).toContainText('16 to 262144');
    await expect(form.getByLabel('Hostname')).toHaveValue('nojs-1');
    await form.getByLabel('Memory (MiB)').fill('256');
    await form.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/packages$/);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/scripts$/);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/review$/);
    await expect(page.getByTestId('review')).toContainText('nojs-1');
    await page.getByRole('button', { name: 'Create container' }).click();
    await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
    await expect(page.getByTestId('phases')).toContainText('Create');
    await expect(page.getByTestId('log')).toContainText('Queued: CT 140 (nojs-1) on delta');
  });
});

// Measurement with a check: 1,000 lines printed by a script reach the browser once each,
// in order; the time from the runner's append (the event's `at`) to its arrival in the
// page is printed (docs/performance.md), not asserted.
test.describe('the live log', () => {
  let slow: SimulatedCluster;

  test.beforeAll(async () => {
    // Realistic task durations: the create task gives the page time to subscribe first.
    slow = await SimulatedCluster.start(['--nodes', '1', '--containers', '1', '--speed', 'realistic', '--seed', '5']);
  });

  test.afterAll(async () => {
    await slow?.stop();
  });

  test('1,000 script lines arrive once each, in order', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page);
    await addNodeByHand(page, 'epsilon', slow.details('pve'));
    await page.goto('/containers/new');
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    const form = page.getByTestId('wizard-form');
    await expect(form).toHaveAttribute('data-live', 'yes');
    await form.getByLabel('Node').selectOption({ label: 'epsilon' });
    await form.getByLabel('OS template').selectOption({ label: TEMPLATE });
    await form.getByLabel('Hostname').fill('chatty');
    await form.getByLabel('VMID').fill('170');
    await form.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    const script = Array.from({ length: 1000 }, (_, i) => `echo line ${i + 1}`).join('\n');
    const slot = page.getByTestId('script-slot').first();
    await slot.getByLabel('Name').fill('chatty');
    await slot.getByLabel(/Shell script/).fill(script);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Create container' }).click();
    await expect(page).toHaveURL(/\/jobs\/[a-z0-9]+$/);
    const id = page.url().split('/').pop()!;
    // While it is being created, the dashboard lists it with its progress.
    const dashboard = await page.context().newPage();
    await dashboard.goto('/');
    await expect(dashboard.getByTestId('active-jobs')).toContainText('CT 170 (chatty)');
    await expect(dashboard.getByTestId('active-jobs').getByRole('link', { name: 'CT 170 (chatty)' })).toHaveAttribute(
      'href',
      `/jobs/${id}`,
    );
    await dashboard.close();
    // A second subscriber in the page, recording when each line arrives.
    const arrivals = await page.evaluate(async (job) => {
      return await new Promise<{ line: number; latency: number }[]>((resolve) => {
        const seen: { line: number; latency: number }[] = [];
        const source = new EventSource(`/api/jobs/${job}/events?after=0`);
        source.addEventListener('progress', (message) => {
          const event = JSON.parse((message as MessageEvent).data);
          const match = /^line (\d+)$/.exec(event.message);
          if (match) seen.push({ line: Number(match[1]), latency: Date.now() - Date.parse(event.at) });
        });
        source.addEventListener('end', () => {
          source.close();
          resolve(seen);
        });
      });
    }, id);
    expect(arrivals.map((a) => a.line)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const sorted = arrivals.map((a) => a.latency).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.round((sorted.length - 1) * q)];
    console.log(`event latency, runner append → browser, ${sorted.length} events: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted[sorted.length - 1]} ms`);
    await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 30_000 });
    // The page's own stream kept up too.
    await expect(page.getByTestId('log')).toContainText('line 1000');
  });
});
