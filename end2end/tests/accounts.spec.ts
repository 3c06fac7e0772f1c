import { expect, test } from './fixtures';

import { ADMIN, BOB, addNodeByHand, setupCode, signIn, signOut } from './helpers';

// One story from a fresh install; the steps depend on each other.
test.describe.serial('accounts and nodes', () => {
  test('a fresh install asks for the first account, then signs it in', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/setup$/);
    // Without the code from the server log, nobody becomes the administrator.
    await page.getByLabel('Setup code').fill('AAAA-BBBB-CCCC');
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password (at least 12 characters)').fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await expect(page.getByText('this is not the setup code')).toBeVisible();

    await page.getByLabel('Setup code').fill(setupCode());
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password (at least 12 characters)').fill(ADMIN.password);
    await page.getByLabel('Password again').fill(`${ADMIN.password}!`);
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await expect(page.getByText('the two passwords differ')).toBeVisible();

    await page.getByLabel('Setup code').fill(setupCode());
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password (at least 12 characters)').fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes$/);
    await expect(page.getByTestId('current-user')).toHaveText(ADMIN.username);
    // Setup is gone for good.
    await page.goto('/setup');
    await expect(page).toHaveURL(/\/\??$/);
  });

  test('sign out, a wrong password is refused vaguely, then sign in', async ({ page }) => {
    await signIn(page);
    await signOut(page);
    await expect(page.getByText('You are signed out.')).toBeVisible();
    await page.goto('/settings/nodes');
    await expect(page).toHaveURL(/\/login\?next=\/settings\/nodes$/);
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('wrong username or password');
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes$/);
  });

  test('add the simulated node by hand, test it, edit it keeping the secret', async ({ page }) => {
    await signIn(page);
    await addNodeByHand(page, 'Home lab');
    await page.getByTestId('test-connection').click();
    await expect(page.getByTestId('pve-version')).toHaveText(/^9\.\d+\.\d+$/);

    const edit = page.getByTestId('edit-form');
    await expect(edit.getByLabel('API token secret')).toHaveValue('');
    await expect(edit.getByLabel('API token secret')).toHaveAttribute('placeholder', /stored/);
    await edit.getByLabel('Display name').fill('Home lab (renamed)');
    await edit.getByRole('button', { name: 'Test and save' }).click();
    await expect(page.getByRole('status')).toContainText('Saved');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Home lab (renamed)');
    await page.getByTestId('test-connection').click();
    await expect(page.getByTestId('pve-version')).toHaveText(/^9\./);
  });

  test('the dashboard lists the node\'s containers and filters them through the URL', async ({ page }) => {
    await signIn(page);
    await page.goto('/');
    await expect(page.getByTestId('summary')).toContainText('1 / 1');
    await expect(page.getByTestId('containers').locator('tbody tr')).toHaveCount(6);
    await page.goto('/?q=status:stopped');
    await expect(page.getByTestId('containers').locator('tbody tr')).toHaveCount(1);
    await expect(page.locator('tr[data-vmid="103"]')).toContainText('stopped');
    await page.goto('/?q=nothing-is-called-this');
    await expect(page.getByText('Nothing matches this search.')).toBeVisible();
  });

  test('start a stopped container without a reload, then delete one after typing its name', async ({ page }) => {
    await signIn(page);
    await page.goto('/');
    // The seconds counter only runs once the page is hydrated.
    await expect(page.getByTestId('updated')).toHaveText(/updated \d+ s ago/);
    const documents: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'document') documents.push(r.url());
    });
    const stopped = page.locator('tr[data-vmid="103"]');
    await stopped.locator('button[data-action="start"]').click();
    await expect(page.getByRole('status')).toHaveText('CT 103: start finished (OK)', { timeout: 20_000 });
    await expect(stopped).toContainText('running');
    await expect(stopped.locator('button[data-action="shutdown"]')).toBeVisible();

    const doomed = page.locator('tr[data-vmid="105"]');
    const name = (await doomed.locator('td').first().textContent())!.trim();
    await doomed.getByText('Delete…').click();
    await doomed.getByLabel(/to destroy it/).fill('wrong');
    await doomed.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByText(`type the hostname (${name}) or the VMID (105) to delete`)).toBeVisible();
    await doomed.getByLabel(/to destroy it/).fill(name);
    await doomed.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('status')).toHaveText('CT 105 deleted', { timeout: 30_000 });
    await expect(page.locator('tr[data-vmid="105"]')).toHaveCount(0);
    expect(documents).toEqual([]);
  });

  test('the container page shows its configuration, address and events', async ({ page }) => {
    await signIn(page);
    await page.goto('/');
    await page.locator('tr[data-vmid="103"] a').click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('CT 103');
    await expect(page.getByTestId('configuration')).toContainText('Hostname');
    await expect(page.getByTestId('networks')).toContainText('eth0');
    await expect(page.getByTestId('events')).toContainText('ct.start');
    // A container that has been up for a while reports its DHCP address.
    await page.goto('/');
    await page.locator('tr[data-vmid="100"] a').click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('CT 100');
    await expect(page.getByTestId('addresses')).toHaveText(/\d+\.\d+\.\d+\.\d+\/\d+ \(eth0\)/);
    // Its buttons act in place too: a reboot ends with a notice and no page load.
    await expect(page.getByTestId('actions')).toHaveAttribute('data-live', 'yes');
    const documents: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'document') documents.push(r.url());
    });
    await page.locator('button[data-action="reboot"]').click();
    await expect(page.getByRole('status')).toHaveText('CT 100: reboot finished (OK)', { timeout: 20_000 });
    await expect(page.getByTestId('events')).toContainText('ct.reboot');
    expect(documents).toEqual([]);
  });

  test('a second user cannot see the node', async ({ page }) => {
    await signIn(page);
    await page.goto('/settings/nodes');
    const nodeUrl = await page.getByRole('link', { name: 'Home lab (renamed)' }).getAttribute('href');
    await page.goto('/users');
    await page.getByLabel('Username').fill(BOB.username);
    await page.getByLabel('Password (at least 12 characters)').fill(BOB.password);
    await page.getByLabel('Password again').fill(BOB.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect(page.getByRole('status')).toHaveText('Created bob.');
    await expect(page.locator('tr[data-user="bob"]')).toBeVisible();
    await signOut(page);

    await signIn(page, BOB);
    await page.goto('/settings/nodes');
    await expect(page.getByText('No nodes yet')).toBeVisible();
    await page.goto(nodeUrl!);
    await expect(page.getByRole('heading', { name: 'No such node' })).toBeVisible();
    await expect(page.getByText('Home lab')).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  });

  test('delete the node after typing its name', async ({ page }) => {
    await signIn(page);
    await page.goto('/settings/nodes');
    await page.getByRole('link', { name: 'Home lab (renamed)' }).click();
    await page.getByLabel('Type Home lab (renamed) to confirm').fill('Home lab');
    await page.getByRole('button', { name: 'Remove node' }).click();
    await expect(page.getByText("type the node's name, Home lab (renamed), to confirm")).toBeVisible();
    await page.getByLabel('Type Home lab (renamed) to confirm').fill('Home lab (renamed)');
    await page.getByRole('button', { name: 'Remove node' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes\?deleted=1$/);
    await expect(page.getByText('No nodes yet')).toBeVisible();
    await page.goto('/audit');
    await expect(page.getByTestId('audit-table')).toContainText('node.delete');
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the same add-node flow works with plain forms', async ({ page }) => {
    await signIn(page);
    await addNodeByHand(page, 'No-JS lab');
    await page.getByTestId('test-connection').click();
    await expect(page.getByTestId('pve-version')).toHaveText(/^9\./);
    // A wrong confirmation comes back as a message on the same page.
    await page.getByLabel('Type No-JS lab to confirm').fill('nope');
    await page.getByRole('button', { name: 'Remove node' }).click();
    await expect(page.getByText("type the node's name, No-JS lab, to confirm")).toBeVisible();
    await page.getByLabel('Type No-JS lab to confirm').fill('No-JS lab');
    await page.getByRole('button', { name: 'Remove node' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes\?deleted=1$/);
  });

  test('the dashboard rows are plain forms: stop a container after confirming, then start it', async ({ page }) => {
    await signIn(page);
    await addNodeByHand(page, 'No-JS actions');
    const nodePage = page.url();
    try {
      await page.goto('/');
      const running = page.locator('tr', { has: page.locator('button[data-action="shutdown"]') }).first();
      const vmid = await running.getAttribute('data-vmid');
      const row = page.locator(`tr[data-vmid="${vmid}"]`);
      // Stop asks first: its button sits in a closed disclosure until "Stop…" is opened.
      await expect(row.locator('button[data-action="stop"]')).toBeHidden();
      await row.getByText('Stop…').click();
      // The pressed button's value says which action; the server sends the browser back.
      await row.locator('button[data-action="stop"]').click();
      await expect(page).toHaveURL(/\/\??$/);
      await expect(row.locator('.badge').first()).toHaveText('stopped');
      await row.locator('button[data-action="start"]').click();
      await expect(row.locator('.badge').first()).toHaveText('running');
    } finally {
      await page.goto(nodePage);
      await page.getByLabel('Type No-JS actions to confirm').fill('No-JS actions');
      await page.getByRole('button', { name: 'Remove node' }).click();
      await expect(page).toHaveURL(/\/settings\/nodes\?deleted=1$/);
    }
  });
});
