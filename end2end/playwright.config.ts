import { defineConfig, devices } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

// A free port, chosen once in the main process; workers inherit it through the environment.
if (!process.env.CORRAL_E2E_PORT) {
  process.env.CORRAL_E2E_PORT = execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
  ]).toString();
}
const port = process.env.CORRAL_E2E_PORT;
// A fresh data directory (it holds the generated master key) per run.
if (!process.env.CORRAL_E2E_DATA) {
  process.env.CORRAL_E2E_DATA = mkdtempSync(path.join(tmpdir(), 'corral-e2e-'));
}
const dataDir = process.env.CORRAL_E2E_DATA;
const baseURL = `http://127.0.0.1:${port}`;

// The binary and site built by scripts/test.sh (cargo test + cargo leptos build --frontend-only).
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(homedir(), '.cache/corral/target');
const corralBin = process.env.CORRAL_BIN ?? path.join(targetDir, 'debug/corral');
const siteRoot = process.env.LEPTOS_SITE_ROOT ?? path.resolve(__dirname, '../target/site');

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  timeout: 30_000,
  use: {
    baseURL,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
  webServer: {
    // The real server binary with its demo cluster, a fresh in-memory database every run.
    command: `"${corralBin}" --listen 127.0.0.1:${port} --database-url mem:// --data-dir "${dataDir}" --demo --login-attempts-per-user 1000 --login-attempts-per-address 1000 --log warn`,
    url: `${baseURL}/healthz`,
    env: {
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'corral',
      LEPTOS_ENV: 'PROD',
    },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
