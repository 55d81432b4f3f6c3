// The page under a strict Content-Security-Policy, and how fast it first
// renders. scripts/bench reads target/e2e/first-render.json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS_DIR, DESKTOP, DIST_DIR, appUrl, close, expectText, newContext, open, useApp,
} from './harness.mjs';

useApp();

const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:";
const FIRST_NODE = '[data-testid^="node-r"]';

test('The page sets a strict Content-Security-Policy and runs under it', async () => {
  const html = readFileSync(path.join(DIST_DIR, 'index.html'), 'utf8');
  // The release build minifies index.html: attributes may come in any
  // order and lose their quotes where they need none.
  const tag = html.match(/<meta\b[^>]*\bhttp-equiv="?Content-Security-Policy"?[^>]*>/);
  assert.ok(tag, 'index.html has a Content-Security-Policy meta tag');
  const meta = tag[0].match(/\bcontent="([^"]*)"/);
  assert.ok(meta, 'the policy meta tag has content');
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

test('First render: from navigation to the first node drawn', async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const context = await newContext(DESKTOP);
    // Notes the moment the first node enters the DOM, on the page's clock
    // (milliseconds since navigation started).
    await context.addInitScript((selector) => {
      new MutationObserver((_, observer) => {
        if (document.querySelector(selector)) {
          window.__firstNodeMs = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    }, FIRST_NODE);
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(appUrl());
    await page.locator(FIRST_NODE).first().waitFor({ state: 'visible' });
    const seen = Date.now() - started;
    const inPage = await page.evaluate(() => window.__firstNodeMs);
    runs.push({ in_page_ms: Math.round(inPage), seen_by_playwright_ms: seen });
    await context.close();
  }
  // The first load also compiles the wasm cold; later ones hit the cache.
  const result = { runs, first_ms: runs[0].in_page_ms, best_ms: Math.min(...runs.map((r) => r.in_page_ms)) };
  writeFileSync(path.join(ARTIFACTS_DIR, 'first-render.json'), JSON.stringify(result, null, 2));
  console.log(`first render (navigation to the first node drawn): ${JSON.stringify(result)}`);
  assert.ok(result.first_ms > 0 && result.first_ms < 10_000, `first render took ${result.first_ms} ms`);
});
