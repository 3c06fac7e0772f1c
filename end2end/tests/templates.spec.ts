import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures';
import { addNodeByHand, signIn } from './helpers';
import { SimulatedCluster } from './simulator';

const OS_TEMPLATE = 'debian-12-standard_12.12-1_amd64.tar.zst';

/** A .tar.gz of template folders: `files` maps paths (under the archive) to contents. */
function archive(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'corral-templates-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, 'src', name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const out = path.join(root, 'templates.tar.gz');
  execFileSync('tar', ['-czf', out, '-C', path.join(root, 'src'), '.']);
  return out;
}

function twoTemplates(prefix: string): string {
  return archive({
    [`${prefix}-cache/template.conf`]: `TEMPLATE_APP="${prefix} cache"\nTEMPLATE_DESCRIPTION="Redis"\nTEMPLATE_TAGS="cache;${prefix}"\nTEMPLATE_RAM="\${TEMPLATE_RAM:-1024}"\n`,
    [`${prefix}-cache/container-configs/packages/${prefix}-redis.apt`]: 'redis-server\n',
    [`${prefix}-cache/container-configs/scripts/01-enable.sh`]: '#!/bin/sh\n# Starts redis\nsystemctl enable --now redis-server\n',
    [`${prefix}-queue/template.conf`]: `TEMPLATE_APP="${prefix} queue"\nTEMPLATE_TAGS="${prefix}"\n`,
    [`${prefix}-queue/container-configs/files/queue.conf`]: 'workers=4\n',
    [`${prefix}-queue/container-configs/files/queue.conf.path`]: '/etc/queue\n',
    [`${prefix}-queue/container-configs/files/queue.conf.policy`]: 'backup\n',
    [`${prefix}-broken/template.conf`]: 'source ../common.conf\n',
  });
}

test.describe.serial('templates', () => {
  let node: SimulatedCluster;

  test.beforeAll(async () => {
    node = await SimulatedCluster.start(['--nodes', '1', '--containers', '1', '--seed', '7']);
  });

  test.afterAll(async () => {
    await node?.stop();
  });

  test('a bucket from a pasted list, a template with two scripts and a file, its duplicate', async ({ page }) => {
    await signIn(page);
    await page.goto('/templates/buckets');
    await page.getByTestId('new-bucket').getByLabel('Name').fill('e2e-web');
    await page.getByRole('button', { name: 'Create bucket' }).click();
    const bucket = page.locator('[data-bucket="e2e-web"]');
    await expect(bucket).toBeVisible();
    await bucket.getByText('Paste a package list…').click();
    await bucket.getByLabel(/One package per line/).fill('# web\nnginx\ncurl\nnginx\n\ncertbot\n');
    await bucket.getByRole('button', { name: 'Import packages' }).click();
    await expect(page.getByRole('status')).toHaveText('Imported 3 packages, 1 duplicate skipped');
    await expect(bucket.locator('tbody tr')).toHaveCount(3);
    // A bad line refuses the whole list.
    await bucket.getByText('Paste a package list…').click();
    await bucket.getByLabel(/One package per line/).fill('htop\nbad name\n');
    await bucket.getByRole('button', { name: 'Import packages' }).click();
    await expect(page.getByRole('alert').first()).toContainText('line 2: "bad name"');
    await expect(bucket.locator('tbody tr')).toHaveCount(3);

    await page.goto('/templates/new');
    const form = page.getByTestId('template-form');
    await expect(form).toHaveAttribute('data-live', 'yes');
    await form.getByLabel('Name', { exact: true }).fill('E2E web');
    await form.getByLabel(/^Description/).first().fill('nginx with a site');
    await form.getByLabel(/^Tags/).fill('web e2e');
    await form.getByLabel(/^OS template/).fill('debian-12');
    await form.getByLabel(/e2e-web/).check();
    const scripts = page.getByTestId('template-script');
    await form.getByRole('button', { name: 'Add a script' }).click();
    // Each button keeps the form in a draft named in the URL.
    await expect(page).toHaveURL(/\/templates\/new\?draft=[a-z0-9]+#script-0$/);
    await expect(scripts).toHaveCount(1);
    await page.getByRole('button', { name: 'Add a script' }).click();
    await expect(scripts).toHaveCount(2);
    await scripts.nth(0).getByLabel('Name').fill('second');
    await scripts.nth(0).getByLabel('Shell script').fill('echo second\n');
    await scripts.nth(1).getByLabel('Name').fill('first');
    await scripts.nth(1).getByLabel('Shell script').fill('echo first\n');
    await scripts.nth(1).getByRole('button', { name: 'Move up' }).click();
    await expect(scripts.nth(0).getByLabel('Name')).toHaveValue('first');
    await page.getByRole('button', { name: 'Add a file' }).click();
    const file = page.getByTestId('template-file').first();
    await expect(file).toBeVisible();
    await expect(form).toHaveAttribute('data-live', 'yes');
    await file.getByLabel('Name', { exact: true }).fill('site.conf');
    await file.getByLabel('Target directory').fill('/etc/nginx/../x');
    await expect(file.locator('[data-field="files[0][target_dir]"]')).toContainText('no ..');
    await file.getByLabel('Target directory').fill('/etc/nginx/conf.d');
    await file.getByLabel('When it exists').selectOption('backup');
    await file.getByLabel('Content').fill('server { listen 80; }\n');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect(page).toHaveURL(/\/templates\/[a-z0-9]+\?saved=1$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('E2E web');
    await expect(page.locator('#scripts details.script')).toHaveCount(2);
    await expect(page.locator('#scripts details.script').first()).toContainText('1. first');
    await expect(page.locator('#packages')).toContainText('nginx, curl, certbot');
    await expect(page.locator('#files')).toContainText('/etc/nginx/conf.d/site.conf');

    await page.getByRole('button', { name: 'Duplicate' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Copy of E2E web');
    await page.goto('/templates?tag=e2e');
    await expect(page.getByTestId('template-cards').locator('article')).toHaveCount(2);
    // A bucket in use says by whom.
    await page.goto('/templates/buckets');
    await expect(page.locator('[data-bucket="e2e-web"]')).toContainText('Used by Copy of E2E web, E2E web.');
  });

  test('an archive with two good templates and a broken one', async ({ page }) => {
    await signIn(page);
    await page.goto('/templates/import');
    await page.getByLabel('Archive').setInputFiles(twoTemplates('e2e'));
    await page.getByRole('button', { name: 'Import' }).click();
    const report = page.getByTestId('import-report');
    await expect(report.getByRole('heading', { level: 2 })).toHaveText('Imported 2 templates; 1 skipped');
    await expect(report).toContainText('e2e cache');
    await expect(report).toContainText('e2e-broken: template.conf line 1: not an assignment');
    await report.getByRole('link', { name: 'e2e queue' }).click();
    await expect(page.locator('#files')).toContainText('/etc/queue/queue.conf');
    await expect(page.locator('#files')).toContainText('policy backup');
  });

  test('a starter becomes a container, one of its scripts switched off', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page);
    await addNodeByHand(page, 'zeta', node.details('pve'));
    await page.goto('/templates');
    await page.locator('[data-starter="debian-base"]').getByRole('button', { name: 'Add to my templates' }).click();
    await expect(page).toHaveURL(/\/templates\/[a-z0-9]+\?added=1$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Debian base');
    await page.getByRole('button', { name: 'Use in a new container' }).click();
    await expect(page).toHaveURL(/\/configure$/);
    await expect(page.getByTestId('from-template')).toContainText('Debian base');
    const form = page.getByTestId('wizard-form');
    await expect(form).toHaveAttribute('data-live', 'yes');
    await form.getByLabel('Node').selectOption({ label: 'zeta' });
    await form.getByLabel('OS template').selectOption({ label: OS_TEMPLATE });
    await form.getByLabel('Hostname').fill('e2e-base');
    await form.getByLabel('VMID').fill('150');
    await expect(page.getByTestId('vmid-state')).toHaveText('free');
    await form.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/packages$/);
    await expect(page.getByTestId('template-buckets')).toContainText('unattended-upgrades');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/scripts$/);
    const choices = page.getByTestId('template-scripts');
    await choices.locator('[data-script="unattended-upgrades"]').getByRole('checkbox').uncheck();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page).toHaveURL(/\/review$/);
    const review = page.getByTestId('review');
    await expect(review).toContainText('Debian base (revision 1)');
    await expect(review).toContainText('upgrade, admin-user');
    await page.getByRole('button', { name: 'Create container' }).click();
    await expect(page.getByTestId('job-state')).toHaveText('succeeded', { timeout: 90_000 });
    await expect(page.getByTestId('job-template')).toHaveText('From template Debian base (revision 1)');
    const log = page.getByTestId('log');
    await expect(log).toContainText('/etc/apt/apt.conf.d/20auto-upgrades: written');
    await expect(log).toContainText('Setting up unattended-upgrades');
    await expect(log).toContainText('User admin is ready.');
    await expect(log).not.toContainText('Running script unattended-upgrades');
  });
});

test.describe('templates without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the form with its plain buttons, and an import', async ({ page }) => {
    await signIn(page);
    await page.goto('/templates/new');
    await page.getByLabel('Name', { exact: true }).fill('No-JS template');
    await page.getByRole('button', { name: 'Add a script' }).click();
    await expect(page).toHaveURL(/\/templates\/new\?draft=[a-z0-9]+#script-0$/);
    await expect(page.getByLabel('Name', { exact: true }).first()).toHaveValue('No-JS template');
    const script = page.getByTestId('template-script').first();
    await script.getByLabel('Name').fill('hello');
    await script.getByLabel('Shell script').fill('echo hello\n');
    await page.getByLabel('Cores').fill('500');
    await page.getByRole('button', { name: 'Save template' }).click();
    // Refused, the field named, nothing typed lost.
    await expect(page.locator('[data-field="cores"]')).toContainText('1 to 128');
    await expect(page.getByTestId('template-script').first().getByLabel('Name')).toHaveValue('hello');
    await page.getByLabel('Cores').fill('2');
    // Enter saves (the form's default button), it never removes a script.
    await page.getByLabel('Cores').press('Enter');
    await expect(page).toHaveURL(/\/templates\/[a-z0-9]+\?saved=1$/);
    await expect(page.locator('#scripts')).toContainText('1. hello');

    await page.goto('/templates/import');
    await page.getByLabel('Archive').setInputFiles(twoTemplates('nojs'));
    await page.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByTestId('import-report').getByRole('heading', { level: 2 })).toHaveText(
      'Imported 2 templates; 1 skipped',
    );
  });
});
