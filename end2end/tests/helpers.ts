import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Account = { username: string; password: string };

export const ADMIN: Account = { username: 'admin', password: 'correct horse battery staple' };
export const BOB: Account = { username: 'bob', password: 'bob has a long password' };

/** The one-time setup code the server left in its data directory (`corral setup-code`). */
export function setupCode(): string {
  const dataDir = process.env.CORRAL_E2E_DATA;
  if (!dataDir) throw new Error('CORRAL_E2E_DATA is not set');
  return readFileSync(path.join(dataDir, 'setup-code'), 'utf8').trim();
}

/** Signs in; on a fresh install, runs setup with ADMIN first. Works without JavaScript. */
export async function signIn(page: Page, who: Account = ADMIN) {
  await page.goto('/login');
  if (new URL(page.url()).pathname === '/setup') {
    await page.getByLabel('Setup code').fill(setupCode());
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password (at least 12 characters)').fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await expect(page).toHaveURL(/\/settings\/nodes$/);
    if (who.username === ADMIN.username) return;
    await signOut(page);
  }
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(who.username);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
}

/** How to reach one node: what the add-node form asks for. */
export type NodeDetails = {
  host: string;
  port: string;
  sshPort: string;
  tokenId: string;
  tokenSecret: string;
  sshPassword: string;
};

/** The demo cluster's connection details, as the Nodes page lists them. */
export async function demoDetails(page: Page): Promise<NodeDetails> {
  await page.goto('/settings/nodes');
  const panel = page.getByTestId('demo-credentials');
  const value = async (key: string) => (await panel.locator(`[data-key="${key}"]`).textContent())!.trim();
  return {
    host: await value('host'),
    port: await value('port'),
    sshPort: await value('ssh_port'),
    tokenId: await value('token_id'),
    tokenSecret: await value('token_secret'),
    sshPassword: await value('ssh_password'),
  };
}

/**
 * Walks the add-node flow by hand: probe, confirm both fingerprints, credentials.
 * Adds the demo node unless other details are given; on the server at `base` when given
 * (another process than the suite's).
 */
export async function addNodeByHand(page: Page, name: string, details?: NodeDetails, base = '') {
  const demo = details ?? (await demoDetails(page));
  await page.goto(`${base}/settings/nodes/new`);
  await page.getByLabel('Host name or IP address').fill(demo.host);
  await page.getByLabel('API port').fill(demo.port);
  await page.getByLabel('SSH port').fill(demo.sshPort);
  await page.getByRole('button', { name: 'Probe' }).click();
  await expect(page.getByTestId('tls-fingerprint')).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await expect(page.getByTestId('ssh-fingerprint')).toHaveText(/^SHA256:[A-Za-z0-9+/]{43}$/);
  const form = page.getByTestId('node-form');
  await form.getByLabel('I compared both fingerprints with the node and trust them').check();
  await form.getByLabel('Display name').fill(name);
  await form.getByLabel('API token id').fill(demo.tokenId);
  await form.getByLabel('API token secret').fill(demo.tokenSecret);
  await form.getByLabel('SSH password').fill(demo.sshPassword);
  await form.getByRole('button', { name: 'Test and save' }).click();
  await expect(page.getByRole('status')).toContainText('Saved: the token, its permissions and SSH all work.');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  return demo;
}
