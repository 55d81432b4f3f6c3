// End-to-end tests of the page shell: settings, the Timeline slider, forks
// and undo, keyboard shortcuts, share links, play speed and the layout at
// projector and phone sizes.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/
//
// Screenshots and the frame-time report land in target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS_DIR, DESKTOP, PHONE, PROJECTOR, close, expectText, logCommands, open, useApp,
} from './harness.mjs';

useApp();

const traceHash = (ui) => ui.status.getAttribute('data-trace-hash');

/// Focus on nothing in particular, as after clicking the page background.
const blur = (page) => page.evaluate(() => document.activeElement?.blur());

/// Changes a number field the way a user does: type, then leave it.
async function typeNumber(page, label, value) {
  const field = page.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press('Tab');
}

/// Crashes a node through its actions in the cluster view.
async function crash(ui, node) {
  await ui.testId(`node-${node}`).click();
  await ui.button('Crash').click();
}

/// Opens `hash` as a fresh page load, keeping the harness's problem log.
async function load(ui, hash) {
  await ui.page.goto(new URL(hash, ui.page.url()).href);
  await ui.page.reload();
  await ui.status.waitFor();
}

test('Protocol, seed and replicas start a new run; a bad value is refused inline', async () => {
  const ui = await open(DESKTOP);
  for (let i = 0; i < 3; i++) await ui.button('Step').click();
  await expectText(ui.status, 'Tick 3 · Step 3');

  await ui.page.getByLabel('Protocol').selectOption({ label: 'Primary-backup' });
  await expectText(ui.status, 'Tick 0 · Step 0');
  await expectText(ui.testId('role-r0'), 'primary · epoch 1');
  assert.equal(await ui.testId('node-r3').count(), 0, 'three nodes under primary-backup');
  await ui.page.waitForURL(/#scenario=arithmetic&protocol=primary-backup$/);
  await expectText(ui.testId('undo-notice').locator('p'),
    'A new run started with protocol Primary-backup');
  for (let i = 0; i < 4; i++) await ui.button('Step').click();
  await expectText(ui.testId('role-r0'), 'primary · epoch 1');

  const options = await ui.page.getByLabel('Protocol').locator('option').allTextContents();
  assert.deepEqual(options, ['Active-active', 'Primary-backup', 'Broadcast (planted bug: no order)']);
  await ui.page.getByLabel('Protocol').selectOption('broadcast');
  await expectText(ui.testId('role-r0'), 'broadcaster');
  await ui.page.getByLabel('Protocol').selectOption('active-active');
  await expectText(ui.testId('role-r0'), 'sequencer');
  await ui.page.waitForURL(/#scenario=arithmetic$/);

  // A replica count the scenario's inputs cannot live with: refused, and
  // the run the user built is still there.
  await ui.page.getByLabel('Scenario').selectOption('crash-restart');
  for (let i = 0; i < 9; i++) await ui.button('Step').click();
  const before = await ui.status.textContent();
  const hash = await traceHash(ui);
  await typeNumber(ui.page, 'Replicas', '1');
  const alert = ui.page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /1 replica is not possible here: .*“crash r2”.*The run is unchanged\./);
  assert.equal(await ui.status.textContent(), before);
  assert.equal(await traceHash(ui), hash);
  assert.equal(await ui.page.getByLabel('Replicas').getAttribute('aria-invalid'), 'true');
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'shell-refused-replicas.png') });
  await ui.button('Step').click();
  await expectText(ui.status, before.replace(/Step (\d+)/, (_, n) => `Step ${Number(n) + 1}`));

  await typeNumber(ui.page, 'Replicas', '5');
  await expectText(ui.status, 'Tick 0 · Step 0');
  assert.equal(await ui.page.getByRole('alert').count(), 0);
  await expectText(ui.testId('role-r5'), 'replica');
  await typeNumber(ui.page, 'Seed', '42');
  await ui.page.waitForURL(/#scenario=crash-restart&seed=42&replicas=5$/);
  await close(ui);
});

test('Step, back, scrub with the Timeline, fork and undo the fork', async () => {
  const ui = await open(DESKTOP);
  const timeline = ui.page.getByLabel('Timeline');
  const at = [await ui.status.textContent()];
  for (let i = 0; i < 8; i++) {
    await ui.button('Step').click();
    at.push(await ui.status.textContent());
  }
  assert.equal(at[3], 'Tick 3 · Step 3');
  await ui.button('Back').click();
  await ui.button('Back').click();
  await expectText(ui.status, at[6]);
  assert.equal(await timeline.getAttribute('max'), '8');
  assert.equal(await timeline.inputValue(), '6');

  await timeline.fill('3');
  await expectText(ui.status, at[3]);
  // Literal: three client writes reached the sequencer by step 3.
  assert.deepEqual(await logCommands(ui.page, 'r0'), ['+1', '+2', '+3']);
  await timeline.fill('8');
  await expectText(ui.status, at[8]);
  // Arrow keys on the focused slider move it one step, and only once.
  await timeline.focus();
  await ui.page.keyboard.press('ArrowLeft');
  await expectText(ui.status, at[7]);
  await timeline.fill('3');
  await expectText(ui.status, at[3]);

  // Acting in the past forks: the five later steps go, and say so.
  await crash(ui, 'r2');
  await expectText(ui.status, 'Tick 3 · Step 4');
  await expectText(ui.testId('undo-notice').locator('p'),
    'Forked at step 3: the 5 later steps were dropped');
  assert.equal(await timeline.getAttribute('max'), '4');
  await expectText(ui.testId('health-r2'), 'down');
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'shell-fork.png') });

  await ui.button('Undo fork').click();
  await expectText(ui.status, 'Tick 3 · Step 3');
  await expectText(ui.testId('health-r2'), 'up');
  assert.equal(await timeline.getAttribute('max'), '8', 'the old future is back');
  assert.equal(await ui.testId('undo-notice').count(), 0);
  for (let i = 0; i < 5; i++) await ui.button('Step').click();
  await expectText(ui.status, at[8]);
  await close(ui);
});

test('Keyboard shortcuts, and ? lists them', async () => {
  const ui = await open(DESKTOP);
  const { keyboard } = ui.page;
  await blur(ui.page);
  for (let i = 0; i < 3; i++) await keyboard.press('ArrowRight');
  await expectText(ui.status, 'Tick 3 · Step 3');
  await keyboard.press('ArrowLeft');
  await expectText(ui.status, 'Tick 2 · Step 2');
  await keyboard.press('Home');
  await expectText(ui.status, 'Tick 0 · Step 0');

  await keyboard.press(' ');
  await ui.page.waitForFunction(
    () => /Step [1-9]/.test(document.querySelector('[role=status]').textContent), null,
    { timeout: 5_000 });
  await keyboard.press(' ');
  assert.equal(await ui.button('Pause').isDisabled(), true, 'Space pauses');
  const paused = await ui.status.textContent();
  await ui.page.waitForTimeout(500);
  assert.equal(await ui.status.textContent(), paused);

  // Keys typed into a field belong to the field.
  const command = ui.page.getByLabel('Command for the sequencer');
  await command.fill('+7');
  await command.press('ArrowLeft');
  await command.press('Home');
  await command.press(' ');
  assert.equal(await ui.status.textContent(), paused);
  assert.equal(await command.inputValue(), ' +7');

  await blur(ui.page);
  await keyboard.press('?');
  const dialog = ui.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  const listed = await dialog.textContent();
  for (const words of ['Space', 'Play or pause', 'Step forward', 'Step back', 'Home', 'Esc']) {
    assert.ok(listed.includes(words), `the list names ${words}: ${listed}`);
  }
  assert.equal(await ui.page.evaluate(() => document.activeElement.textContent), 'Close');
  await keyboard.press('ArrowRight');
  assert.equal(await ui.status.textContent(), paused, 'the run stays put under the dialog');
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'shell-shortcuts.png') });
  await keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  await ui.button('Keyboard shortcuts').click();
  await dialog.waitFor();
  await ui.page.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  await close(ui);
});

test('A copied link opens the same run in a fresh page', async () => {
  const ui = await open(DESKTOP, '#scenario=failover-async');
  await ui.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await typeNumber(ui.page, 'Seed', '4');
  for (let i = 0; i < 12; i++) await ui.button('Step').click();
  await crash(ui, 'r2');
  for (let i = 0; i < 6; i++) await ui.button('Step').click();
  await ui.page.getByLabel('Command for the primary').fill('*3');
  await ui.button('Write').click();
  for (let i = 0; i < 4; i++) await ui.button('Step').click();
  await ui.button('Back').click();
  const status = await ui.status.textContent();
  const hash = await traceHash(ui);
  const logs = await logCommands(ui.page, 'r1');

  await ui.button('Copy link').click();
  const field = ui.testId('share-link');
  await field.waitFor();
  const link = await field.inputValue();
  assert.match(link, /#scenario=failover-async&seed=4&at=23&inputs=[A-Za-z0-9_-]+$/);
  await expectText(ui.testId('share-note'), 'Copied to the clipboard.');
  assert.equal(await ui.page.evaluate(() => navigator.clipboard.readText()), link);
  assert.equal(ui.page.url(), link, 'the address bar carries the run too');
  // The next step makes the address bar's position stale: it goes back to
  // naming the scenario and its settings only.
  await ui.button('Step').click();
  await ui.page.waitForURL(/#scenario=failover-async&seed=4$/);

  await load(ui, link);
  await expectText(ui.status, status);
  assert.equal(await traceHash(ui), hash, 'the same world, event for event');
  assert.deepEqual(await logCommands(ui.page, 'r1'), logs);
  assert.equal(await ui.page.getByLabel('Seed').inputValue(), '4');
  assert.equal(await ui.page.getByRole('alert').count(), 0);
  await expectText(ui.testId('health-r2'), 'down');
  await close(ui);
});

test('A garbled link shows an alert and opens the scenario without the broken part', async () => {
  const ui = await open(DESKTOP);
  await load(ui, '#scenario=failover-async&at=7&inputs=not*base64!');
  const alert = ui.page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(),
    /Part of this link could not be used: its recorded inputs are not valid base64url\. Showing “Async acks/);
  assert.match(await ui.status.textContent(), /· Step 7$/);
  await expectText(ui.testId('role-r0'), 'primary · epoch 1');
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'shell-garbled-link.png') });

  await load(ui, '#scenario=failover-async&seed=x&replicas=99&at=zz');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /seed “x” is not a whole number/);
  assert.match(text, /step “zz” is not a step number/);
  assert.match(text, /settings do not fit/);
  await expectText(ui.status, 'Tick 0 · Step 0');
  await ui.button('Step').click();
  await expectText(ui.status, 'Tick 1 · Step 1');
  await close(ui);
});

test('A link to a long run shows how far its rebuild got; Stop starts the scenario over', async () => {
  const ui = await open(DESKTOP);
  const long = '#scenario=failover-async&at=2000000';
  // Far more steps than the page replays before it first draws.
  await ui.page.goto(new URL(long, ui.page.url()).href);
  await ui.page.reload();
  const rebuilding = ui.testId('rebuilding');
  await rebuilding.waitFor();
  assert.match(await ui.status.textContent(), /^Replayed [\d\s]+ of 2\s000\s000 steps\.$/);
  const progress = ui.page.getByRole('progressbar', { name: 'Steps replayed' });
  assert.equal(await progress.getAttribute('max'), '2000000');
  assert.equal(await ui.button('Copy link').isDisabled(), true, 'no link to a run not yet rebuilt');
  assert.match(await ui.testId('share-unavailable').textContent(), /still being rebuilt/);
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'shell-rebuilding.png') });
  // The page stays responsive while it rebuilds: the progress moves.
  const first = Number(await progress.getAttribute('value'));
  await ui.page.waitForFunction((seen) => Number(document.querySelector('progress')?.value) > seen
    || !document.querySelector('progress'), first);
  await ui.page.waitForFunction(() => document.querySelector('[role=status]')?.textContent
    .endsWith('Step 2000000'), null, { timeout: 120_000, polling: 250 });
  assert.equal(await rebuilding.count(), 0);
  assert.equal(await ui.page.getByRole('alert').count(), 0);

  // Again, but stopped: the scenario starts over at step 0.
  await ui.page.goto(new URL('#scenario=failover-async&at=3999999', ui.page.url()).href);
  await ui.page.reload();
  await rebuilding.waitFor();
  await ui.button('Stop: start the scenario from step 0').click();
  await expectText(ui.status, 'Tick 0 · Step 0');
  await ui.page.waitForURL(/#scenario=failover-async$/);
  await ui.button('Step').click();
  await expectText(ui.status, 'Tick 1 · Step 1');
  await close(ui);
});

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

test('Frame times while playing at 64 steps a frame', async () => {
  const ui = await open(PROJECTOR, '#scenario=failover-async');
  await typeNumber(ui.page, 'Replicas', '5');
  await expectText(ui.testId('role-r4'), 'backup · epoch 1');
  await ui.page.getByLabel('Speed').fill('11');
  await expectText(ui.testId('speed-value'), '64 per frame');
  // A run is a few hundred steps; each time one ends, a new seed starts a
  // fresh one, so two seconds are all simulation and drawing.
  const result = await ui.page.evaluate(() => new Promise((resolve) => {
    const play = () => [...document.querySelectorAll('button')]
      .find((b) => b.textContent.trim() === 'Play');
    const seed = document.getElementById('seed');
    const deltas = [];
    let runs = 0;
    let last;
    const start = performance.now();
    const frame = (now) => {
      if (last !== undefined) deltas.push(now - last);
      last = now;
      const button = play();
      if (button.disabled && document.querySelector('.controls button:nth-child(4)').disabled) {
        seed.value = String(Number(seed.value) + 1);
        seed.dispatchEvent(new Event('change', { bubbles: true }));
        runs += 1;
      } else if (!button.disabled) {
        button.click();
      }
      if (now - start < 2_000) requestAnimationFrame(frame);
      else resolve({ deltas, runs });
    };
    requestAnimationFrame(frame);
  }));
  const sorted = [...result.deltas].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  const report = `frame times at 64 steps/frame, 5 replicas, 1280×720: ` +
    `${sorted.length} frames over 2 s, ${result.runs} runs, ` +
    `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms`;
  console.log(report);
  writeFileSync(path.join(ARTIFACTS_DIR, 'frame-times.txt'), `${report}\n`);
  assert.ok(sorted.length > 20, 'frames kept coming while playing');
  assert.ok(result.runs >= 1, 'runs were played to their end');
  await ui.button('Pause').click().catch(() => {});
  await close(ui);
});

test('Playing, the cluster and the tapes are drawn again when scrolled back into sight', async () => {
  const ui = await open(PROJECTOR, '#scenario=scale');
  await ui.page.getByLabel('Speed').fill('11');
  await expectText(ui.testId('speed-value'), '64 per frame');
  await ui.button('Play').click();
  const end = (id) => ui.testId(id).evaluate((el) => Number(el.textContent));
  const tapeEnd = () => ui.testId('tape-r0').getAttribute('data-end').then(Number);
  const settle = () => ui.page.waitForTimeout(400);
  // The tapes in view: the cluster above them is under the sticky toolbar.
  await ui.testId('tapes').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await settle();
  const tapes = await tapeEnd();
  await settle();
  assert.ok(await tapeEnd() > tapes, 'the tapes follow the run while in view');
  const hidden = await end('end-r0');
  // Back to the top: the cluster is in view and the tapes below the window.
  await ui.page.evaluate(() => window.scrollTo(0, 0));
  await settle();
  const shown = await end('end-r0');
  assert.ok(shown > hidden, `the cluster is drawn again once in sight (${hidden} -> ${shown})`);
  await settle();
  assert.ok(await end('end-r0') > shown, 'and follows the run');
  const below = await tapeEnd();
  await ui.testId('tapes').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await settle();
  assert.ok(await tapeEnd() > below, 'the tapes are drawn again once in sight');
  assert.equal(await ui.button('Pause').isDisabled(), false, 'still playing');
  await ui.button('Pause').click();
  await close(ui);
});

const WIDE = { width: 1920, height: 1080 };

for (const [device, viewport] of [['projector', PROJECTOR], ['phone', PHONE], ['wide', WIDE]]) {
  test(`The shell at ${viewport.width}×${viewport.height} (${device})`, async () => {
    const ui = await open(viewport, '#scenario=failover-async');
    for (let i = 0; i < 45; i++) await ui.button('Step').click();
    // Literal: step 45 of this run is at tick 50.
    await expectText(ui.status, 'Tick 50 · Step 45');
    const layout = await ui.page.evaluate(() => {
      const box = (selector) => document.querySelector(selector).getBoundingClientRect();
      return {
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        stageLeft: box('.stage').left,
        stageTop: box('.stage').top,
        asideLeft: box('.aside').left,
        asideTop: box('.aside').top,
        nodesBottom: Math.max(...['r0', 'r1', 'r2'].map(
          (id) => document.querySelector(`[data-testid=node-${id}]`).getBoundingClientRect().bottom)),
      };
    });
    assert.equal(layout.overflow, 0, `no horizontal scrolling at ${viewport.width} px`);
    if (device === 'wide') {
      assert.ok(layout.asideLeft > layout.stageLeft + 800, 'the side column sits beside the stage');
    } else {
      assert.ok(layout.asideTop > layout.stageTop, 'stacked, the stage first');
    }
    if (device !== 'phone') {
      assert.ok(layout.nodesBottom <= viewport.height,
        `toolbar and cluster fit the screen without scrolling (${layout.nodesBottom} px)`);
    }
    await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, `shell-${device}.png`) });
    await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, `shell-${device}-full.png`), fullPage: true });

    // Scrolled down, the toolbar stays in view.
    await ui.page.mouse.wheel(0, 900);
    await ui.page.waitForFunction(() => window.scrollY > 300);
    const top = await ui.page.evaluate(() => document.querySelector('.toolbar').getBoundingClientRect().top);
    assert.equal(top, 0, 'the toolbar sticks to the top');
    await ui.button('Step').click();
    assert.match(await ui.status.textContent(), /· Step 46$/);
    await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, `shell-${device}-scrolled.png`) });
    await close(ui);
  });
}
