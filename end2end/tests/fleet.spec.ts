import { expect, test } from './fixtures';
import { addNodeByHand, signIn } from './helpers';
import { SimulatedCluster } from './simulator';

// A node with 120 containers: the dashboard shows 50 a page. Hydrated, paging asks the
// server for the next page's rows without reloading; without JavaScript the links and
// the page-number form work as plain navigation. The node is removed at the end so
// later specs see the fleet they expect.
test.describe.serial('a fleet larger than a page', () => {
  let omega: SimulatedCluster;

  test.beforeAll(async () => {
    omega = await SimulatedCluster.start(['--nodes', '1', '--containers', '120', '--seed', '5']);
  });

  test.afterAll(async () => {
    await omega?.stop();
  });

  /** The VMIDs of the rows shown, in order. */
  async function vmids(page: import('@playwright/test').Page): Promise<string[]> {
    return page.getByTestId('containers').locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => row.getAttribute('data-vmid') ?? ''),
    );
  }

  test('hydrated: the pager fetches each page of the sorted fleet without a reload', async ({ page }) => {
    await signIn(page);
    await addNodeByHand(page, 'omega', omega.details('pve'));
    await page.goto('/?q=node:omega&sort=vmid');
    // Hydrated once the push stream is open.
    await expect(page.getByTestId('updated')).toHaveAttribute('data-push', 'on');
    const rows = page.getByTestId('containers').locator('tbody tr');
    await expect(rows).toHaveCount(50);
    const pager = page.getByTestId('pager-above');
    await expect(pager.getByTestId('showing')).toHaveText(/^Showing 1–50 of 120( matching)?/);
    const first = await vmids(page);

    // A marker on the window survives client-side navigation only.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const started = Date.now();
    await pager.getByRole('link', { name: 'Next ›' }).click();
    await expect(page).toHaveURL(/[?&]page=2(&|$)/);
    await expect(pager.getByTestId('showing')).toHaveText(/Showing 51–100 of 120/);
    const second = await vmids(page);
    console.log(`paging, click to rows: ${Date.now() - started} ms`);
    expect(second).toHaveLength(50);
    expect(Number(second[0])).toBeGreaterThan(Number(first[49]));
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    await pager.getByRole('link', { name: 'Last »' }).click();
    await expect(rows).toHaveCount(20);
    await expect(pager.getByRole('link', { name: 'Next ›' })).toHaveCount(0);
    await expect(page.getByTestId('pager-below')).toBeVisible();
    // The summary counts every container, not just this page's.
    await expect(page.getByTestId('summary')).toContainText('Containers');
    // Back in the browser's history: the previous page again.
    await page.goBack();
    await expect(pager.getByTestId('showing')).toHaveText(/Showing 51–100 of 120/);
    expect(await vmids(page)).toEqual(second);
  });

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('the links and the page-number form page through the fleet', async ({ page }) => {
      await signIn(page);
      await page.goto('/?q=node:omega&sort=-vmid');
      const pager = page.getByTestId('pager-above');
      await expect(pager.getByTestId('showing')).toHaveText(/^Showing 1–50 of 120( matching)?/);
      const largest = await vmids(page);
      await pager.getByRole('link', { name: 'Next ›' }).click();
      await expect(page).toHaveURL(/page=2/);
      const next = await vmids(page);
      expect(Number(next[0])).toBeLessThan(Number(largest[49]));
      await pager.getByLabel('Page number').fill('3');
      await pager.getByRole('button', { name: 'Go' }).click();
      await expect(page).toHaveURL(/q=node%3Aomega&sort=-vmid&page=3/);
      await expect(page.getByTestId('containers').locator('tbody tr')).toHaveCount(20);
      // A new search starts again at the first page.
      await page.getByRole('searchbox').fill('node:omega status:running');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect(pager.getByTestId('showing')).toHaveText(/Showing 1–/);
    });
  });

  test('remove the node again', async ({ page }) => {
    await signIn(page);
    await page.goto('/settings/nodes');
    await page.getByRole('link', { name: 'omega' }).click();
    await page.getByLabel('Type omega to confirm').fill('omega');
    await page.getByRole('button', { name: 'Remove node' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes\?deleted=1$/);
  });
});
