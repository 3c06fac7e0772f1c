import { expect, test } from './fixtures';
import { addNodeByHand, signIn } from './helpers';
import { SimulatedCluster } from './simulator';

const OS_TEMPLATE = 'debian-12-standard_12.12-1_amd64.tar.zst';

// Its own simulated node ("eta"): a container from the PostgreSQL starter, whose script
// saves the generated password for discovery.
test.describe.serial('services', () => {
  let node: SimulatedCluster;
  let container = '';

  test.beforeAll(async () => {
    node = await SimulatedCluster.start(['--nodes', '1', '--containers', '1', '--seed', '11']);
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
    await expect(services.getByTestId('services-checked')).toContainText('Last read');
    await expect(services.getByText(/system services/)).toBeVisible();
    await services.getByRole('button', { name: 'Refresh' }).click();
    await expect(postgres).toContainText('running');

    await postgres.getByRole('link', { name: 'Show credentials' }).click();
    const credentials = page.getByTestId('credentials');
    await expect(credentials).toContainText('username');
    await expect(credentials.locator('dd').nth(1)).toHaveText(/^[A-Za-z0-9]{24}$/);
    await page.goto('/audit');
    await expect(page.getByText('service postgresql in CT 155 on eta').first()).toBeVisible();
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
  });
});
