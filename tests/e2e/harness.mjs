// The end-to-end harness shared by every tests/e2e/*.test.mjs file: serves
// dist/ on 127.0.0.1, drives Debian's Chromium through playwright-core and
// records whatever must not happen on the page.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/
//
// playwright-core is resolved from $LOGLAB_TOOLS (default <repo>/.tools,
// filled by scripts/install --test); the browser from $CHROMIUM
// (default /usr/bin/chromium). Screenshots land in target/e2e/.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(ROOT, 'dist');
const ARTIFACTS = path.join(ROOT, 'target', 'e2e');
const TOOLS = process.env.LOGLAB_TOOLS ?? path.join(ROOT, '.tools');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const BROWSER_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const DESKTOP = { width: 1366, height: 768 };
export const PROJECTOR = { width: 1280, height: 720 };
export const PHONE = { width: 390, height: 844 };
export const ARTIFACTS_DIR = ARTIFACTS;

let chromium;
try {
  ({ chromium } = createRequire(path.join(TOOLS, 'package.json'))('playwright-core'));
} catch (error) {
  throw new Error(`playwright-core not found under ${TOOLS}; run scripts/install --test ` +
    `or set LOGLAB_TOOLS (${error.message})`);
}

let server;
let browser;
let baseUrl;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`static server did not answer at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/// Registers the server and browser for the calling test file.
export function useApp() {
before(async () => {
  if (!existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing; run TRUNK_SKIP_VERSION_CHECK=true trunk build --release first`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}/`;
  server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port), '--directory', DIST],
    { stdio: 'ignore' });
  await waitForServer(baseUrl);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
});

after(async () => {
  await browser?.close();
  server?.kill();
});
}

/// Opens the app in a fresh context and records everything that must not
/// happen: console errors, uncaught exceptions, failed requests and any
/// request that leaves 127.0.0.1.
export async function open(viewport, hash = '') {
  const context = await browser.newContext({ viewport });
  // Count Content-Security-Policy violations (Playwright's own scripts are
  // exempt from the page's policy).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1') {
      problems.push(`request to another host: ${request.url()}`);
    }
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(baseUrl + hash);
  const ui = {
    page,
    context,
    problems,
    status: page.getByRole('status'),
    button: (name) => page.getByRole('button', { name, exact: true }),
    testId: (id) => page.getByTestId(id),
  };
  await expectText(ui.status, 'Tick 0 · Step 0');
  return ui;
}

/// Waits until the locator's text is exactly `expected`, then asserts it
/// (so a failure prints the text actually shown).
export async function expectText(locator, expected, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  let actual;
  for (;;) {
    actual = (await locator.textContent({ timeout: timeoutMs }))?.trim();
    if (actual === expected || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(actual, expected);
}

/// The payloads on a node's log tape, oldest first.
export async function logCommands(page, node) {
  return page.locator(`[data-testid=tape-${node}] td.record .payload`).allTextContents();
}

/// Clicks Step until the run is over; returns how many steps it took.
export async function stepToEnd(ui, maxSteps = 500) {
  for (let steps = 0; ; steps++) {
    if (await ui.button('Step').isDisabled()) return steps;
    assert.ok(steps < maxSteps, `the run ends within ${maxSteps} steps`);
    await ui.button('Step').click();
  }
}

export async function close(ui) {
  ui.problems.push(...(await ui.page.evaluate(() => window.__cspViolations ?? []))
    .map((v) => `CSP violation: ${v}`));
  await ui.context.close();
  assert.deepEqual(ui.problems, [], 'no console errors, failed requests or off-host requests');
}

/// A fresh browser context, for tests that measure the page's own load.
export async function newContext(viewport) {
  return browser.newContext({ viewport });
}

/// The served app's address (`http://127.0.0.1:PORT/`).
export function appUrl() {
  return baseUrl;
}

/// Where dist/ is, for tests that read the built files.
export const DIST_DIR = DIST;
