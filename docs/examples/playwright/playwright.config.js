// Debian's Chromium, not a downloaded one (install with
// PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1); CHROMIUM names another binary.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  reporter: 'list',
  use: {
    launchOptions: { executablePath: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
});
