import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Benchmarks (not tests): the same server and browser as the suite, another folder.
// Run: npx playwright test --config bench.config.ts (see docs/performance.md).
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '*.bench.ts',
  timeout: 300_000,
});
