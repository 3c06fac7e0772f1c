import { expect, test } from './fixtures';
import { addNodeByHand, signIn } from './helpers';
import { SimulatedCluster } from './simulator';

const OS_TEMPLATE = 'debian-12-standard_12.12-1_amd64.tar.zst';

// Its own simulated node ("eta"): a container from the PostgreSQL starter, whose script
// saves the generated password for discovery, and one from the nginx starter with a
// script of the wizard's that saves credentials: its web UI is linked and opened, its
// logs read and followed live (the node's cron logs every second).
test.describe.serial('services', () => {
  let node: SimulatedCluster;
  let container = '';
  let web = '';

  test.beforeAll(async () => {
    node = await SimulatedCluster.start([
      '--nodes', '1', '--containers', '1', '--seed', '11', '--journal-activity-seconds', '1',
    ]);
  });

  test.afterAll(async () => {
    await node?.stop();
  });

  test('a container from a template shows its services and, on request, credentials', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page);
    await addNodeByHand(page, 'eta', node.details('pve'));
    await page.goto('/templates');
    await page.locator('[data-starter="postgresql"]').getByRole('button', { name: 'Add to my templates' }).click();
    await page.getByRole('button', { name: 'Use in a new container' }).click();
    const form = page.getByTestId('wizard-form');
    await expect(form).toHaveAttribute('data-live', 'yes');
    await form.getByLabel('Node').selectOption({ label: 'eta' });
    await form.getByLabel('OS template').selectOption({ label: OS_TEMPLATE });
    await form.getByLabel('Hostname').fill('e2e-db');
    await form.getByLabel('VMID').fill('155');
    await expect(page.getByTestId('vmid-state')).toHaveText('free');
    for (const step of ['packages', 'scripts', 'review']) {
      await page.getByRole('button', { name: 'Next' }).click();
      await expect(page).toHaveURL(new RegExp(`/${step}$`));
    }
    await page.getByRole('button', { name: 'Create container' }).click();
    await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 90_000 });
    await expect(page.getByTestId('log')).toContainText('Services: postgresql (5432 local, credentials)');
    await page.getByRole('link', { name: 'Open container' }).click();
    await expect(page).toHaveURL(/\/containers\/[^/]+\/\d+$/);
    container = new URL(page.url()).pathname;

    // The dashboard lists it with its services and finds it by them.
    await page.goto('/?q=svc:postgres');
    const row = page.locator('tbody tr', { hasText: 'e2e-db' });
    await expect(row.getByTestId('services')).toHaveText('postgresql');
    await page.goto('/?q=svc:no-such-service');
    await expect(page.locator('tbody tr', { hasText: 'e2e-db' })).toHaveCount(0);
    await page.goto(container);

    const services = page.getByTestId('services');
    const postgres = services.locator('[data-service="postgresql"]');
    await expect(postgres).toContainText('running');
    await expect(postgres).toContainText('5432 (local)');
    await expect(services.getByTestId('services-checked')).toContainText('Last checked');
    await expect(services.getByText(/system services/)).toBeVisible();
    await services.getByRole('button', { name: 'Refresh' }).click();
    await expect(postgres).toContainText('running');

    await postgres.getByRole('link', { name: 'Show credentials' }).click();
    const credentials = page.getByTestId('credentials');
    await expect(credentials).toContainText('username');
    await expect(credentials.locator('.secret').nth(1)).toHaveText(/^[A-Za-z0-9]{24}$/);
    await credentials.getByTestId('copy').nth(1).click();
    await expect(credentials.getByTestId('copy').nth(1)).toHaveText('Copied');
    await page.goto('/audit');
    await expect(page.getByText('service postgresql in CT 155 on eta').first()).toBeVisible();
  });

  test('a web service: its link on the dashboard opens it, its logs are followed live', async ({ page, request }) => {
    test.setTimeout(120_000);
    await signIn(page);
    await page.goto('/templates');
    await page.locator('[data-starter="nginx"]').getByRole('button', { name: 'Add to my templates' }).click();
    await page.getByRole('button', { name: 'Use in a new container' }).click();
    const form = page.getByTestId('wizard-form');
    await expect(form).toHaveAttribute('data-live', 'yes');
    await form.getByLabel('Node').selectOption({ label: 'eta' });
    await form.getByLabel('OS template').selectOption({ label: OS_TEMPLATE });
    await form.getByLabel('Hostname').fill('e2e-web');
    await form.getByLabel('VMID').fill('156');
    await expect(page.getByTestId('vmid-state')).toHaveText('free');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/packages$/);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/scripts$/);
    const slot = page.getByTestId('script-slot').last();
    await slot.getByLabel('Name').fill('admin login');
    await slot.getByLabel(/Shell script/).fill('save_credential nginx username admin\nsave_credential nginx password "s3cret-$CORRAL_VMID"\n');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/review$/);
    await page.getByRole('button', { name: 'Create container' }).click();
    await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 90_000 });
    await expect(page.getByTestId('log')).toContainText('Services: nginx (80 http, credentials)');
    await page.getByRole('link', { name: 'Open container' }).click();
    await expect(page).toHaveURL(/\/containers\/[^/]+\/\d+$/);
    web = new URL(page.url()).pathname;

    // The dashboard links its web UI by the page's title; the link opens the container's page.
    await page.goto('/?q=svc:nginx');
    const row = page.locator('tbody tr', { hasText: 'e2e-web' });
    const link = row.getByTestId('services').getByRole('link', { name: 'Welcome to nginx' });
    await expect(link).toBeVisible();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+:80\/$/);
    const site = await request.get(href!);
    expect(site.status()).toBe(200);
    expect(await site.text()).toContain('made by Corral from the Nginx web server template');

    // The container page: Open button, credentials, figures kept current.
    await page.goto(web);
    const nginx = page.getByTestId('services').locator('[data-service="nginx"]');
    await expect(nginx.getByTestId('open')).toHaveText('Open Welcome to nginx');
    await expect(nginx.getByTestId('open')).toHaveAttribute('href', href!);
    await expect(page.getByTestId('actions')).toHaveAttribute('data-live', 'yes');
    const uptime = page.getByTestId('live-uptime');
    const before = await uptime.textContent();
    await expect(uptime).not.toHaveText(before!, { timeout: 15_000 });
    await nginx.getByRole('link', { name: 'Show credentials' }).click();
    await expect(page.getByTestId('credentials').locator('.secret').nth(1)).toHaveText('s3cret-156');

    // Its logs, then the whole container's followed live, paused, filtered and saved.
    await page.goto(web);
    await page.getByTestId('services').locator('[data-service="nginx"]').getByRole('link', { name: 'Logs' }).click();
    await expect(page).toHaveURL(/\/logs\?unit=nginx$/);
    await expect(page.getByTestId('log-lines')).toContainText('Started nginx.service');
    await expect(page.getByTestId('log-source')).toContainText('From journal');
    await page.getByLabel('Service').selectOption({ label: 'Whole container' });
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    const logs = page.getByTestId('logs');
    await expect(logs).toHaveAttribute('data-live', 'yes');
    const lines = page.getByTestId('log-lines');
    const count = async () => ((await lines.textContent()) ?? '').split('CRON[').length;
    const first = await count();
    await page.getByTestId('follow').click();
    await expect(page.getByTestId('follow-status')).toHaveText('Following…');
    await expect.poll(count, { timeout: 15_000 }).toBeGreaterThan(first + 1);
    await page.getByTestId('pause').click();
    await expect(page.getByTestId('follow-status')).toContainText('Paused');
    const paused = await count();
    await expect(page.getByTestId('follow-status')).toContainText('new lines wait', { timeout: 10_000 });
    expect(await count()).toBe(paused);
    await page.getByTestId('pause').click();
    await expect.poll(count).toBeGreaterThan(paused);
    await page.getByLabel('Filter').fill('cron[');
    await expect(lines).not.toContainText('nginx.service');
    const saved = page.waitForEvent('download');
    await page.getByTestId('save').click();
    expect((await saved).suggestedFilename()).toBe('ct156-journal.log');
    await page.getByTestId('follow').click();
    await expect(page.getByTestId('follow-status')).toHaveText('Stopped following.');
  });

  test('the job history lists both jobs and filters them; the container links its job', async ({ page }) => {
    await signIn(page);
    await page.goto(web);
    await page.getByTestId('created-by').getByRole('link').click();
    await expect(page.getByTestId('job-state')).toHaveText('succeeded');
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await expect(page).toHaveURL(/\/jobs$/);
    const filters = page.getByTestId('job-filters');
    await filters.getByLabel('Node').selectOption({ label: 'eta' });
    await filters.getByRole('button', { name: 'Filter' }).click();
    const jobs = page.getByTestId('jobs');
    await expect(jobs.locator('tbody tr')).toHaveCount(2);
    await expect(jobs.locator('tbody tr').first()).toContainText('CT 156 (e2e-web)', { timeout: 10_000 });
    await filters.getByLabel('Template').fill('nginx');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/template=nginx/);
    await expect(page.getByTestId('jobs').locator('tbody tr')).toHaveCount(1);
    await page.getByTestId('job-filters').getByLabel('State').selectOption('failed');
    await page.getByTestId('job-filters').getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByText('No jobs match.')).toBeVisible();
    await page.goto('/jobs?from=not-a-day');
    await expect(page.getByTestId('jobs-error')).toHaveText('a day as YYYY-MM-DD');
  });

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('the Services section refreshes and the credentials page opens', async ({ page }) => {
      await signIn(page);
      await page.goto(container);
      const services = page.getByTestId('services');
      await services.getByRole('button', { name: 'Refresh' }).click();
      await expect(page).toHaveURL(/#services$/);
      await page.getByTestId('services').locator('[data-service="postgresql"]').getByRole('link', { name: 'Show credentials' }).click();
      await expect(page.getByTestId('credentials')).toContainText('password');
    });

    test('the logs page reads, filters and downloads', async ({ page }) => {
      await signIn(page);
      await page.goto(`${web}/logs?unit=nginx&lines=50`);
      await expect(page.getByTestId('log-lines')).toContainText('Started nginx.service');
      await page.getByLabel('Filter').fill('Started');
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await expect(page).toHaveURL(/filter=Started/);
      const download = page.getByTestId('download-link');
      await expect(download).toHaveAttribute('href', /logs\/download\?unit=nginx&lines=50&filter=Started$/);
      const saved = page.waitForEvent('download');
      await download.click();
      expect((await saved).suggestedFilename()).toBe('ct156-nginx.log');
    });
  });
});
