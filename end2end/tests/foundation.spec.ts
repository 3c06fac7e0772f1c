import { expect, test } from './fixtures';

import { signIn } from './helpers';

// Every page needs a session; accounts.spec.ts runs first and creates the administrator.
test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('pages are fully rendered by the server', async ({ page }) => {
    const response = await page.goto('/settings');
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle('Settings · Corral');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link')).toHaveText([
      'Dashboard',
      'Templates',
      'Jobs',
      'Nodes',
      'Audit log',
      'Users',
      'Settings',
    ]);
    // Server facts come from a server function, resolved during server rendering.
    await expect(page.getByTestId('database-state')).toHaveText('up');
    // Nothing interactive runs: the clock never starts.
    await expect(page.getByTestId('hydration-state')).toHaveText('JavaScript off');
    await expect(page.getByTestId('clock')).toHaveText('—');
  });

  test('links are plain links that work', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    // The end-to-end server runs on a fresh in-memory database.
    await expect(page.getByTestId('server-facts')).toContainText('mem');
  });
});

test.describe('with JavaScript', () => {
  test('the page hydrates, the clock ticks and the console stays clean', async ({ page }) => {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));

    await page.goto('/settings');
    await expect(page.getByTestId('hydration-state')).toHaveText('live');
    const clock = page.getByTestId('clock');
    await expect(clock).toHaveText(/^\d{2}:\d{2}:\d{2}$/);
    const first = await clock.textContent();
    await expect(clock).not.toHaveText(first ?? '', { timeout: 5_000 });
    await expect(page.getByTestId('live-seconds')).not.toHaveText('0 s');
    expect(problems).toEqual([]);
  });

  test('navigation happens in the browser without a reload', async ({ page }) => {
    await page.goto('/settings');
    await expect(page.getByTestId('hydration-state')).toHaveText('live');
    const documentRequests: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'document') documentRequests.push(request.url());
    });
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Templates' })).toBeVisible();
    await expect(page).toHaveTitle('Templates · Corral');
    await expect(page.getByRole('link', { name: 'Templates', exact: true })).toHaveAttribute('aria-current', 'page');
    expect(documentRequests).toEqual([]);
  });
});

test('unknown paths get the 404 page with status 404', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page).toHaveTitle('Not found · Corral');
  await page.getByRole('link', { name: 'Back to the dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});

test('the health check reports the database', async ({ request }) => {
  const response = await request.get('/healthz');
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok', database: 'up' });
});
