import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { ADMIN, addNodeByHand } from './helpers';
import { CorralProcess, SurrealServer } from './processes';
import { SimulatedCluster } from './simulator';

const TEMPLATE = 'debian-12-standard_12.12-1_amd64.tar.zst';

// Two `corral` processes (A and B) on one SurrealDB server, as behind a load balancer, and
// their own simulated node ("iota", real task times). A job started on A (B joins once A
// runs it, so that A's runner has it); signed in on A, the browser's cookie is a session
// on B too; the job goes on when A is killed (SIGKILL): B takes it over once its lease
// (3 s here) runs out, and B's progress page shows it to the end.
test.describe.serial('two processes, one database', () => {
  let database: SurrealServer;
  let a: CorralProcess;
  let b: CorralProcess;
  let iota: SimulatedCluster;

  test.beforeAll(async () => {
    iota = await SimulatedCluster.start(['--nodes', '1', '--containers', '1', '--speed', 'realistic']);
    database = await SurrealServer.start();
    a = await CorralProcess.start(database, ['--job-lease-secs', '3']);
  });

  test.afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.stop();
    await iota?.stop();
  });

  test('sign in on A, the same cookie on B; a job started on A finishes through B after A is killed', async ({ page }) => {
    test.setTimeout(150_000);
    // Setup on A (its data folder holds the setup code).
    await page.goto(`${a.url}/login`);
    await expect(page).toHaveURL(/\/setup$/);
    await page.getByLabel('Setup code').fill(readFileSync(path.join(a.dataDir, 'setup-code'), 'utf8').trim());
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password (at least 12 characters)').fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes$/);

    // A node and a container job, run by A (the only process so far).
    await addNodeByHand(page, 'iota', iota.details('pve'), a.url);
    await page.goto(`${a.url}/containers/new`);
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    const form = page.getByTestId('wizard-form');
    await expect(form).toHaveAttribute('data-live', 'yes');
    await form.getByLabel('OS template').selectOption({ label: TEMPLATE });
    await form.getByLabel('Hostname').fill('survivor');
    await form.getByLabel('VMID').fill('140');
    await form.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Create container' }).click();
    await page.waitForURL(/\/jobs\/[a-z0-9]+$/, { waitUntil: 'domcontentloaded' });
    const progress = new URL(page.url()).pathname;
    // Running on A: the create task has started.
    await expect(page.getByTestId('log')).toContainText('Creating CT 140', { timeout: 30_000 });

    // B joins, with the same master key: secrets A sealed (the node's token), B opens.
    b = await CorralProcess.start(database, ['--job-lease-secs', '3', '--key-file', path.join(a.dataDir, 'master.key')]);
    // The cookie A set is a session on B (cookies are per host, not per port).
    await page.goto(`${b.url}/`);
    await expect(page.getByTestId('current-user')).toHaveText(ADMIN.username);
    const cookies = await page.context().cookies(b.url);
    expect(cookies.map((c) => c.name)).toContain('corral_session');

    // A dies. B's progress page shows the job taken over and finished.
    await a.kill9();
    await page.goto(`${b.url}${progress}`);
    await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 120_000 });
    await expect(page.getByTestId('log')).toContainText('Taken over after the previous runner stopped');
    await expect(page.getByTestId('progress')).toHaveAttribute('value', '100');
    await page.screenshot({ path: 'test-results/processes-taken-over.png', fullPage: true });
  });

  test("B's dashboard follows changes made in Proxmox itself, pushed", async ({ page }) => {
    test.setTimeout(120_000);
    // Still signed in from the last test? A new page has no cookie: sign in on B.
    await page.goto(`${b.url}/login`);
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${b.url}/?q=node:iota`);
    await expect(page.getByTestId('updated')).toHaveAttribute('data-push', 'on');
    const row = page.locator('tr[data-vmid="140"]');
    await expect(row).toContainText('running');
    // Stop and start CT 140 through Proxmox's API, as its web UI would; time from the
    // task's end (the state changed) to the row showing it.
    const latencies: number[] = [];
    for (const [action, shown] of [['stop', 'stopped'], ['start', 'running'], ['stop', 'stopped'], ['start', 'running'], ['stop', 'stopped'], ['start', 'running']]) {
      // Changes at any moment of the refresher's 3 s interval.
      await page.waitForTimeout(700 * latencies.length);
      const upid = (await iota.proxmox('pve', 'POST', `/nodes/pve/lxc/140/status/${action}`)) as string;
      for (;;) {
        const task = (await iota.proxmox('pve', 'GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`)) as { status: string };
        if (task.status === 'stopped') break;
        await page.waitForTimeout(50);
      }
      const changed = Date.now();
      await expect(row.locator('.badge').first()).toHaveText(shown, { timeout: 15_000 });
      latencies.push(Date.now() - changed);
    }
    const sorted = [...latencies].sort((x, y) => x - y);
    console.log(`dashboard push, Proxmox change → row in the browser: ${latencies.join(', ')} ms (median ${sorted[Math.floor(sorted.length / 2)]} ms)`);
  });
});
