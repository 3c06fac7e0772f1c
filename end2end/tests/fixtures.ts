import { expect, test as base } from '@playwright/test';

/**
 * Every test watches its page for Content-Security-Policy violations: the policy must
 * hold for the whole app (hydration, WebAssembly, forms), so a violation fails the test.
 */
export const test = base.extend<{ cspWatch: void }>({
  cspWatch: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on('console', (message) => {
        const text = message.text();
        if (/Content Security Policy|Refused to (execute|load|apply|compile|frame)/i.test(text)) {
          violations.push(text);
        }
      });
      await use();
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
