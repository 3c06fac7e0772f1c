import { expect, test } from './fixtures';
import { addNodeByHand, signIn } from './helpers';
import { SimulatedCluster } from './simulator';

// Day-2 operations on their own simulated node ("theta") with one running Debian
// container (web-01, CT 100): a snapshot, a file written in the guest after it (over the
// real OpenSSH client), a rollback that loses the file and starts the container again, a
// delete; then memory, tags and the root disk changed.
test.describe.serial('day-2 operations', () => {
  let node: SimulatedCluster;
  let container = '';

  test.beforeAll(async () => {
    const key = SimulatedCluster.withSshKey();
    node = await SimulatedCluster.start(['--nodes', '1', '--containers', '1', '--seed', '13', ...key.args], key.keyDir);
  });

  test.afterAll(async () => {
    await node?.stop();
  });

  const inGuest = (command: string) => node.ssh('pve', `pct exec 100 -- sh -c '${command}'`);

  test('take a snapshot, write a file, roll back: the file is gone', async ({ page }) => {
    await signIn(page);
    await addNodeByHand(page, 'theta', node.details('pve'));
    await page.goto('/?q=node:theta');
    await page.getByRole('link', { name: 'web-01' }).click();
    // The click navigates in the browser: the URL changes once the page's module is in.
    await expect(page).toHaveURL(/\/containers\/[^/]+\/100$/);
    container = new URL(page.url()).pathname;
    const snapshots = page.getByTestId('snapshots');
    await expect(snapshots).toContainText('No snapshots yet.');
    await expect(page.getByTestId('actions')).toHaveAttribute('data-live', 'yes');

    await snapshots.getByLabel('Name').fill('before-change');
    await snapshots.getByLabel('Description').fill('Before the change');
    await snapshots.getByRole('button', { name: 'Take snapshot' }).click();
    await expect(snapshots.getByRole('status').or(snapshots.locator('.notice'))).toContainText(/working|taken/);
    const row = snapshots.locator('[data-snapshot="before-change"]');
    await expect(row).toContainText('Before the change');
    await expect(snapshots.getByTestId('you-are-here')).toBeVisible();

    inGuest('echo changed > /root/after.txt');
    expect(inGuest('cat /root/after.txt')).toBe('changed\n');

    await row.getByText('Roll back…').click();
    await expect(row.locator('.warning')).toContainText('Rolling back to before-change loses everything written since it was taken.');
    await expect(row.getByLabel('Start it again afterwards')).toBeChecked();
    await row.getByLabel('I understand what is lost').check();
    await row.getByRole('button', { name: 'Roll back to before-change' }).click();
    await expect(snapshots.locator('.notice')).toContainText('Rolled back to before-change.', { timeout: 15_000 });
    expect(inGuest('test -e /root/after.txt && echo present || echo gone')).toBe('gone\n');
    await expect(page.getByTestId('live-status')).toContainText('running');

    const again = snapshots.locator('[data-snapshot="before-change"]');
    await again.getByText('Delete…').click();
    await again.getByLabel(/Type before-change/).fill('before-change');
    await again.getByRole('button', { name: 'Delete snapshot' }).click();
    await expect(snapshots).toContainText('No snapshots yet.', { timeout: 15_000 });
  });

  test('memory, tags and the root disk change; a bad value is refused as typed', async ({ page }) => {
    await signIn(page);
    await page.goto(container);
    await expect(page.getByTestId('actions')).toHaveAttribute('data-live', 'yes');
    const resources = page.getByTestId('resources');
    await resources.getByLabel('Memory (MiB)').fill('8');
    await expect(resources.locator('[data-field="memory"]')).toHaveText('a whole number from 16 to 262144 MiB');
    await resources.getByLabel('Memory (MiB)').fill('3072');
    await expect(resources.locator('[data-field="memory"]')).toHaveCount(0);
    await resources.getByLabel('Tags').fill('web, shop');
    await resources.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.notice').first()).toHaveText('Changed: memory 3072 MiB, tags [shop, web].');
    await expect(page.getByTestId('configuration')).toContainText('3072 MiB / 512 MiB');
    await expect(page.getByTestId('configuration')).toContainText('shop, web');

    await resources.getByLabel(/New size in GiB/).fill('12');
    await expect(resources.getByTestId('grow-label')).toHaveText(' Grow the root disk from 8 GiB to 12 GiB (it cannot shrink again)');
    await resources.getByTestId('grow-label').click();
    await resources.getByRole('button', { name: 'Grow disk' }).click();
    await expect(page.locator('.notice').first()).toHaveText('The root disk is now 12 GiB.');
    await expect(page.getByTestId('configuration')).toContainText('12G');

    // Tags from the dashboard row.
    await page.goto('/?q=node:theta');
    // The seconds counter only runs once the page is hydrated.
    await expect(page.getByTestId('updated')).toHaveText(/updated \d+ s ago/);
    const row = page.locator('tbody tr', { hasText: 'web-01' });
    await row.getByText('Tags…').click();
    await row.getByLabel('Tags').fill('db');
    await row.getByRole('button', { name: 'Save tags' }).click();
    await expect(row.getByTestId('tags')).toContainText('db');
    await expect(page.locator('.notice')).toHaveText('CT 100: tags saved.');
  });

  test('back up now, see it listed, restore it into a new VMID', async ({ page }) => {
    test.setTimeout(60_000);
    await signIn(page);
    await page.goto(container);
    await expect(page.getByTestId('actions')).toHaveAttribute('data-live', 'yes');
    const backups = page.getByTestId('backups');
    await expect(backups.getByTestId('newest-backup')).toHaveText('No backup yet.');
    await backups.getByLabel('Storage').selectOption('nas');
    await backups.getByLabel('Notes').fill('before the move');
    await backups.getByRole('button', { name: 'Back up now' }).click();
    await expect(backups.locator('.notice')).toHaveText('Backed up to nas.', { timeout: 20_000 });
    const row = backups.getByTestId('backup-list').locator('tbody tr').first();
    await expect(row).toContainText('before the move');
    await expect(row).toContainText('nas');
    await expect(backups.getByTestId('newest-backup')).toContainText('Newest backup:');

    await row.getByText('Restore…').click();
    await row.getByLabel('Into the new container (VMID)').fill('150');
    await row.getByRole('button', { name: 'Restore as a new container' }).click();
    await expect(backups.locator('.notice')).toHaveText('Restored into CT 150.', { timeout: 20_000 });
    // The dashboard does not wait for backup ages: after the restore the node's are read
    // again ("reading…" meanwhile), so each look loads the page until they are in.
    await expect(async () => {
      await page.goto('/?q=node:theta');
      await expect(page.locator('tbody tr[data-vmid="150"]')).toContainText('web-01', { timeout: 1_000 });
      await expect(page.locator('tbody tr[data-vmid="100"]').getByTestId('backup')).toHaveText(/just now|min ago/, { timeout: 1_000 });
      await expect(page.locator('tbody tr[data-vmid="150"]').getByTestId('backup')).toHaveText('never', { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await page.goto('/?q=node:theta backup:none');
    await expect(page.getByTestId('backup-ages-reading')).toHaveCount(0);
    await expect(page.locator('tbody tr[data-vmid="100"]')).toHaveCount(0);
    await expect(page.locator('tbody tr[data-vmid="150"]')).toHaveCount(1);
  });

  test('the node page charts its history and answers the pointer', async ({ page }) => {
    await signIn(page);
    await page.goto(container);
    await page.getByTestId('overview').getByRole('link', { name: 'theta' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes\//);
    const history = page.getByTestId('history');
    await expect(history.locator('figure.chart')).toHaveCount(4);
    const cpu = history.locator('figure[data-chart="CPU"]');
    const box = (await cpu.locator('svg').boundingBox())!;
    // Hydrated, the readout follows the pointer (a node's history has no gaps).
    await expect(async () => {
      await cpu.locator('svg').hover({ position: { x: box.width / 2, y: box.height / 2 } });
      await expect(cpu.getByTestId('readout')).toContainText(/UTC — CPU \d+\.\d %/, { timeout: 1_000 });
    }).toPass({ timeout: 10_000 });
  });

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('a snapshot is taken and a bad name is refused with its reason', async ({ page }) => {
      await signIn(page);
      await page.goto(container);
      const snapshots = page.getByTestId('snapshots');
      await snapshots.getByLabel('Name').fill('nojs');
      await snapshots.getByRole('button', { name: 'Take snapshot' }).click();
      await expect(page).toHaveURL(/#snapshots$/);
      await expect(page.getByTestId('snapshots').locator('[data-snapshot="nojs"]')).toBeVisible();
      await page.getByTestId('snapshots').getByLabel('Name').fill('current');
      await page.getByTestId('snapshots').getByRole('button', { name: 'Take snapshot' }).click();
      await expect(page.getByTestId('snapshots')).toContainText('current is reserved by Proxmox');
    });

    test('the history charts are drawn on the server, for each timeframe', async ({ page }) => {
      await signIn(page);
      await page.goto(container);
      const history = page.getByTestId('history');
      await expect(history.locator('figure.chart')).toHaveCount(4);
      await expect(history.locator('figure[data-chart="CPU"] path.line')).toHaveAttribute('d', /^M/);
      await history.getByRole('link', { name: 'week', exact: true }).click();
      await expect(page).toHaveURL(/history=week&cf=average#history$/);
      await expect(page.getByTestId('history').locator('figure.chart')).toHaveCount(4);
      await page.getByTestId('history').getByRole('link', { name: 'Show peaks' }).click();
      await expect(page).toHaveURL(/history=week&cf=max#history$/);
    });
  });
});
