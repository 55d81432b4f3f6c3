// End-to-end test of the built app: serves dist/ on 127.0.0.1, drives
// Debian's Chromium through playwright-core and checks what a user sees.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/
//
// playwright-core is resolved from $LOGLAB_TOOLS (default <repo>/.tools,
// filled by scripts/install --test); the browser from $CHROMIUM
// (default /usr/bin/chromium). Screenshots land in target/e2e/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

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

/// Opens the app in a fresh context and records everything that must not
/// happen: console errors, uncaught exceptions, failed requests and any
/// request that leaves 127.0.0.1.
async function open(viewport, hash = '') {
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
async function expectText(locator, expected, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  let actual;
  for (;;) {
    actual = (await locator.textContent({ timeout: timeoutMs }))?.trim();
    if (actual === expected || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(actual, expected);
}

async function logCommands(page, node) {
  return page.locator(`[data-testid=log-${node}] td.command`).allTextContents();
}

/// Clicks Step until the run is over; returns how many steps it took.
async function stepToEnd(ui, maxSteps = 500) {
  for (let steps = 0; ; steps++) {
    if (await ui.button('Step').isDisabled()) return steps;
    assert.ok(steps < maxSteps, `the run ends within ${maxSteps} steps`);
    await ui.button('Step').click();
  }
}

async function close(ui) {
  ui.problems.push(...(await ui.page.evaluate(() => window.__cspViolations))
    .map((v) => `CSP violation: ${v}`));
  await ui.context.close();
  assert.deepEqual(ui.problems, [], 'no console errors, failed requests or off-host requests');
}

test('Step and Back show the engine state at each position', async () => {
  const ui = await open(DESKTOP);
  assert.equal(await ui.button('Back').isDisabled(), true, 'Back is disabled at position 0');

  for (let i = 0; i < 3; i++) await ui.button('Step').click();
  await expectText(ui.status, 'Tick 3 · Step 3');
  // Three client writes reached the sequencer; no replicate message has
  // arrived anywhere yet, so every replica still holds 0.
  assert.deepEqual(await logCommands(ui.page, 'n0'), ['+1', '+2', '+3']);
  await expectText(ui.testId('value-n1'), '0');
  await expectText(ui.testId('applied-n1'), '0');
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'desktop-step3.png'), fullPage: true });

  await ui.button('Back').click();
  await expectText(ui.status, 'Tick 2 · Step 2');
  assert.deepEqual(await logCommands(ui.page, 'n0'), ['+1', '+2']);
  await expectText(ui.testId('value-n1'), '0');

  // Forward again: step 3 is redone, step 4 delivers +1 to n3.
  await ui.button('Step').click();
  await ui.button('Step').click();
  await expectText(ui.status, 'Tick 3 · Step 4');
  await expectText(ui.testId('value-n3'), '1');
  await expectText(ui.testId('applied-n3'), '1');
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'desktop-step4.png'), fullPage: true });

  await ui.button('Reset').click();
  await expectText(ui.status, 'Tick 0 · Step 0');
  await close(ui);
});

test('Play steps on its own and Pause stops it', async () => {
  const ui = await open(DESKTOP);
  await ui.button('Play').click();
  await ui.page.waitForFunction(
    () => /Step ([2-9]|\d\d)$/.test(document.querySelector('[role=status]').textContent.trim()),
    null, { timeout: 5_000 });
  await ui.button('Pause').click();
  const paused = (await ui.status.textContent()).trim();
  await ui.page.waitForTimeout(1_000);
  assert.equal((await ui.status.textContent()).trim(), paused, 'no step after Pause');
  assert.equal(await ui.button('Pause').isDisabled(), true);
  assert.equal(await ui.button('Play').isDisabled(), false);
  await close(ui);
});

test('The page fits a phone screen', async () => {
  const ui = await open(PHONE);
  for (let i = 0; i < 4; i++) await ui.button('Step').click();
  await expectText(ui.status, 'Tick 3 · Step 4');
  await expectText(ui.testId('value-n3'), '1');
  const overflow = await ui.page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no horizontal scrolling at 390 px');
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'phone-step4.png'), fullPage: true });
  await close(ui);
});

test('A bad command is refused inline; a crash is a recorded step', async () => {
  const ui = await open(DESKTOP);
  await ui.page.getByLabel('Command for the sequencer').fill('double it');
  await ui.button('Write').click();
  await ui.testId('write-error').waitFor();
  assert.match(await ui.testId('write-error').textContent(), /is not a command/);
  await expectText(ui.status, 'Tick 0 · Step 0');

  await ui.button('Crash n2').click();
  await expectText(ui.status, 'Tick 0 · Step 1');
  await expectText(ui.testId('health-n2'), 'down');
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'desktop-crash.png'), fullPage: true });

  await ui.button('Back').click();
  await expectText(ui.status, 'Tick 0 · Step 0');
  await expectText(ui.testId('health-n2'), 'up');
  await close(ui);
});

for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`A link opens split brain and the checkers catch two primaries (${device})`, async () => {
    const ui = await open(viewport, '#scenario=split-brain-unfenced');
    assert.equal(await ui.page.getByLabel('Scenario').inputValue(), 'split-brain-unfenced');
    await expectText(ui.testId('role-n0'), 'primary · epoch 1');
    const checkers = ui.page.getByRole('region', { name: 'Checkers', exact: true });
    await expectText(checkers.locator('p'), 'No invariant broken so far.');

    const steps = await stepToEnd(ui);
    // Literal: the scenario runs to tick 120, which takes 134 steps.
    assert.equal(steps, 134);
    await expectText(ui.status, 'Tick 120 · Step 134');
    assert.match(await checkers.textContent(), /one-primary-per-epoch/);
    assert.equal(await ui.button('Play').isDisabled(), true, 'nothing left to play');
    const overflow = await ui.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `no horizontal scrolling at ${viewport.width} px`);
    await ui.page.screenshot({ path: path.join(ARTIFACTS, `${device}-split-brain.png`), fullPage: true });
    await close(ui);
  });
}

test('Picking a scenario puts it in the URL', async () => {
  const ui = await open(DESKTOP);
  await ui.page.getByLabel('Scenario').selectOption('failover-async');
  await ui.page.waitForURL(/#scenario=failover-async$/);
  await expectText(ui.testId('role-n0'), 'primary · epoch 1');
  await ui.page.getByLabel('Command for the primary').fill('+2');
  await ui.button('Write').click();
  await expectText(ui.status, 'Tick 0 · Step 1');
  await close(ui);
});

test('A link to no scenario shows an alert and the default scenario', async () => {
  const ui = await open(DESKTOP, '#scenario=nope');
  const alert = ui.page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /“nope”/);
  assert.equal(await ui.page.getByLabel('Scenario').inputValue(), 'arithmetic');
  await expectText(ui.testId('role-n0'), 'sequencer');
  await ui.page.getByLabel('Command for the sequencer').waitFor();
  await ui.button('Step').click();
  await expectText(ui.status, 'Tick 1 · Step 1');
  assert.deepEqual(await logCommands(ui.page, 'n0'), ['+1']);
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'desktop-bad-link.png') });
  await close(ui);
});

const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:";

test('The page sets a strict Content-Security-Policy and runs under it', async () => {
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy"\s+content="([^"]*)"/);
  assert.ok(meta, 'index.html has a Content-Security-Policy meta tag');
  assert.equal(meta[1], POLICY);
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'),
    'the policy comes before any script');
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    .filter(([, attributes, body]) => !/\bsrc=/.test(attributes) || body.trim() !== '');
  assert.deepEqual(inline.map(([tag]) => tag), [], 'no inline script');
  assert.doesNotMatch(html, /\sstyle=|<style\b/, 'no inline style');

  // The app starts and works under the policy: close() fails on any
  // violation or console error.
  const ui = await open(DESKTOP);
  await ui.button('Step').click();
  await expectText(ui.status, 'Tick 1 · Step 1');
  const policy = await ui.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.equal(policy, POLICY);
  await close(ui);
});

test('First render: from navigation to the first node card', async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ viewport: DESKTOP });
    // Notes the moment the first card enters the DOM, on the page's clock
    // (milliseconds since navigation started).
    await context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('article.node')) {
          window.__firstCardMs = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(baseUrl);
    await page.locator('article.node').first().waitFor({ state: 'visible' });
    const seen = Date.now() - started;
    const inPage = await page.evaluate(() => window.__firstCardMs);
    runs.push({ in_page_ms: Math.round(inPage), seen_by_playwright_ms: seen });
    await context.close();
  }
  // The first load also compiles the wasm cold; later ones hit the cache.
  const result = { runs, first_ms: runs[0].in_page_ms, best_ms: Math.min(...runs.map((r) => r.in_page_ms)) };
  writeFileSync(path.join(ARTIFACTS, 'first-render.json'), JSON.stringify(result, null, 2));
  console.log(`first render (navigation to the first node card): ${JSON.stringify(result)}`);
  assert.ok(result.first_ms > 0 && result.first_ms < 10_000, `first render took ${result.first_ms} ms`);
});
