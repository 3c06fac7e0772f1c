import { expect, test } from './fixtures';
import { addNodeByHand, signIn } from './helpers';
import { SimulatedCluster } from './simulator';

// Two simulated clusters in their own processes: "alpha" (node pve) stays up, "beta"
// (node pve2 of a second cluster) is taken offline by ending its process.
test.describe.serial('dashboard across two nodes', () => {
  let alpha: SimulatedCluster;
  let beta: SimulatedCluster;

  test.beforeAll(async () => {
    alpha = await SimulatedCluster.start(['--nodes', '1', '--containers', '6']);
    beta = await SimulatedCluster.start(['--nodes', '2', '--containers', '6', '--seed', '7']);
  });

  test.afterAll(async () => {
    await alpha?.stop();
    await beta?.stop();
  });

  test('both nodes are listed, with addresses once known, and the URL filters across them', async ({ page }) => {
    await signIn(page);
    await addNodeByHand(page, 'alpha', alpha.details('pve'));
    await addNodeByHand(page, 'beta', beta.details('pve2'));

    await page.goto('/');
    await expect(page.getByTestId('summary')).toContainText('2 / 2');
    const rows = page.getByTestId('containers').locator('tbody tr');
    const nodeCells = rows.locator('td:nth-child(3)');
    await expect(nodeCells.filter({ hasText: 'alpha' }).first()).toBeVisible();
    await expect(nodeCells.filter({ hasText: 'beta' }).first()).toBeVisible();

    // Addresses are learned in the background; the page's own refresh brings them in.
    const firstRunning = rows.filter({ hasText: 'running' }).first();
    await expect(firstRunning.getByTestId('ip')).toHaveText(/^\d+\.\d+\.\d+\.\d+/, { timeout: 25_000 });

    await page.goto('/?q=' + encodeURIComponent('status:stopped node:pve'));
    await expect(page.getByRole('searchbox')).toHaveValue('status:stopped node:pve');
    const stopped = page.getByTestId('containers').locator('tbody tr');
    await expect(stopped.first()).toBeVisible();
    for (const row of await stopped.all()) {
      await expect(row.locator('td:nth-child(3)')).toHaveText('alpha');
      await expect(row.locator('td:nth-child(4)')).toContainText('stopped');
    }
  });

  test('changes are pushed while the stream is up, and polled for when it breaks', async ({ page }) => {
    await signIn(page);
    await page.goto('/');
    const updated = page.getByTestId('updated');
    await expect(updated).toHaveAttribute('data-push', 'on');
    await expect(updated).toContainText('· live');
    // The stream cannot be opened (a buffering proxy, a restart): every 10 s instead.
    await page.route('**/api/dashboard/events', (route) => route.abort());
    await page.reload();
    await expect(updated).toHaveText(/updated \d+ s ago/);
    await expect(updated).toHaveAttribute('data-push', 'off');
    await expect(updated).not.toContainText('live');
    await expect(updated).toHaveText(/updated (8|9) s ago/, { timeout: 15_000 });
    await expect(updated).toHaveText(/updated (just now|[0-3] s ago)/, { timeout: 5_000 });
  });

  test('an offline node gets a banner and the other node stays listed', async ({ page }) => {
    await beta.stop();
    await signIn(page);
    const banner = page.getByTestId('node-failure');
    // The last answer is kept for a few seconds; reload until it has run out.
    await expect(async () => {
      await page.goto('/');
      await expect(banner).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(banner).toContainText('beta');
    await expect(banner).toContainText('unreachable');
    await expect(page.getByTestId('summary')).toContainText('1 / 2');
    const nodeCells = page.getByTestId('containers').locator('tbody tr td:nth-child(3)');
    await expect(nodeCells.first()).toHaveText('alpha');
    await expect(nodeCells.filter({ hasText: 'beta' })).toHaveCount(0);
  });
});
