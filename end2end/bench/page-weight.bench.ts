import { brotliCompressSync, constants } from 'node:zlib';
import { type BrowserContext, test } from '@playwright/test';
import { expect } from '../tests/fixtures';
import { addNodeByHand, signIn } from '../tests/helpers';

// What the browser downloads for each page, cold (an empty cache per page): every
// WebAssembly and JavaScript file under /pkg/, raw and as brotli (quality 11, what
// `cargo leptos build --precompress` stores). Run against a release site built with
// `cargo leptos build --release` (LEPTOS_SITE_ROOT, CORRAL_BIN).

type Weight = { files: number; raw: number; brotli: number };

async function weigh(context: BrowserContext, path: string, ready: string): Promise<Weight> {
  const page = await context.newPage();
  const bodies: Promise<Buffer>[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/pkg/') && /\.(wasm|js)$/.test(url.pathname)) {
      bodies.push(response.body());
    }
  });
  await page.goto(path);
  await page.waitForSelector(ready);
  await page.waitForLoadState('networkidle');
  const files = await Promise.all(bodies);
  await page.close();
  const brotli = (b: Buffer) =>
    brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return {
    files: files.length,
    raw: files.reduce((sum, b) => sum + b.length, 0),
    brotli: files.reduce((sum, b) => sum + brotli(b), 0),
  };
}

test('wasm and JavaScript per page, raw and brotli', async ({ browser }) => {
  const rows: [string, Weight][] = [];
  const setup = await browser.newContext();
  const first = await setup.newPage();
  await signIn(first);
  await addNodeByHand(first, 'demo');
  await first.goto('/');
  const container = await first
    .getByTestId('containers')
    .locator('tbody tr td a')
    .first()
    .getAttribute('href');
  expect(container).toBeTruthy();
  const state = await setup.storageState();
  await setup.close();
  // Signed out, once the administrator exists (before that, /login sends to /setup).
  const anonymous = await browser.newContext();
  rows.push(['/login (signed out)', await weigh(anonymous, '/login', 'form')]);
  await anonymous.close();

  const pages: [string, string][] = [
    ['/', '[data-push="on"]'],
    [container!, 'main h1'],
    ['/containers/new', 'main h1'],
    ['/templates', 'main h1'],
    ['/jobs', 'main h1'],
    ['/settings/nodes', 'main h1'],
    ['/users', 'main h1'],
    ['/audit', 'main h1'],
  ];
  for (const [path, ready] of pages) {
    const context = await browser.newContext({ storageState: state });
    rows.push([path, await weigh(context, path, ready)]);
    await context.close();
  }
  const kb = (n: number) => (n / 1000).toFixed(1).padStart(8);
  console.log('page                                     files   raw KB  brotli KB');
  for (const [path, w] of rows) {
    console.log(`${path.padEnd(40)} ${String(w.files).padStart(5)} ${kb(w.raw)} ${kb(w.brotli)}`);
  }
});

// A slow link (100 ms round trip, 10 Mbit/s down, 2 Mbit/s up; Chromium's throttling):
// from navigation to the dashboard hydrated (its push stream open), an empty cache each
// time. Many small modules cost round trips over HTTP/1.1 (six connections a host); one
// big file costs bandwidth. Then the first move to another page (the Nodes page, in the
// later module of a split build): from the click to its heading.
test('the dashboard on a slow link, navigation to hydrated', async ({ browser }) => {
  const setup = await browser.newContext();
  const first = await setup.newPage();
  await signIn(first);
  const state = await setup.storageState();
  await setup.close();
  const times: number[] = [];
  const moves: number[] = [];
  for (let run = 0; run < 3; run++) {
    const context = await browser.newContext({ storageState: state });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 100,
      downloadThroughput: 1_250_000,
      uploadThroughput: 250_000,
    });
    const started = Date.now();
    await page.goto('/');
    await page.waitForSelector('[data-push="on"]', { timeout: 120_000 });
    times.push(Date.now() - started);
    const clicked = Date.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nodes' }).click();
    await expect(page.locator('main h1')).toHaveText('Nodes', { timeout: 120_000 });
    moves.push(Date.now() - clicked);
    await context.close();
  }
  times.sort((a, b) => a - b);
  moves.sort((a, b) => a - b);
  console.log(`dashboard on a slow link, navigation to hydrated: ${times.join(', ')} ms (median ${times[1]})`);
  console.log(`then the first move to the Nodes page, click to heading: ${moves.join(', ')} ms (median ${moves[1]})`);
});
