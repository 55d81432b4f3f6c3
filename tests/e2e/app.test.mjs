// End-to-end test of the built app: clicks through it as a user would.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/
//
// The harness (server, browser, problem recording) is in harness.mjs.
// Screenshots land in target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ARTIFACTS_DIR as ARTIFACTS, DESKTOP, PHONE, close, expectText, logCommands, open, stepToEnd, useApp,
} from './harness.mjs';

useApp();

test('Step and Back show the engine state at each position', async () => {
  const ui = await open(DESKTOP);
  assert.equal(await ui.button('Back').isDisabled(), true, 'Back is disabled at position 0');

  for (let i = 0; i < 3; i++) await ui.button('Step').click();
  await expectText(ui.status, 'Tick 3 · Step 3');
  // Three client writes reached the sequencer; no replicate message has
  // arrived anywhere yet, so every replica still holds 0.
  assert.deepEqual(await logCommands(ui.page, 'r0'), ['+1', '+2', '+3']);
  await expectText(ui.testId('value-r1'), '0');
  await expectText(ui.testId('applied-r1'), '0');
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'desktop-step3.png'), fullPage: true });

  await ui.button('Back').click();
  await expectText(ui.status, 'Tick 2 · Step 2');
  assert.deepEqual(await logCommands(ui.page, 'r0'), ['+1', '+2']);
  await expectText(ui.testId('value-r1'), '0');

  // Forward again: step 3 is redone, step 4 delivers +1 to r3.
  await ui.button('Step').click();
  await ui.button('Step').click();
  await expectText(ui.status, 'Tick 3 · Step 4');
  await expectText(ui.testId('value-r3'), '1');
  await expectText(ui.testId('applied-r3'), '1');
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
  await expectText(ui.testId('value-r3'), '1');
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

  await ui.testId('node-r2').click();
  await ui.button('Crash').click();
  await expectText(ui.status, 'Tick 0 · Step 1');
  await expectText(ui.testId('health-r2'), 'down');
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'desktop-crash.png'), fullPage: true });

  await ui.button('Back').click();
  await expectText(ui.status, 'Tick 0 · Step 0');
  await expectText(ui.testId('health-r2'), 'up');
  await close(ui);
});

for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`A link opens split brain and the checkers catch two primaries (${device})`, async () => {
    const ui = await open(viewport, '#scenario=split-brain-unfenced');
    assert.equal(await ui.page.getByLabel('Scenario').inputValue(), 'split-brain-unfenced');
    await expectText(ui.testId('role-r0'), 'primary · epoch 1');
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
  await expectText(ui.testId('role-r0'), 'primary · epoch 1');
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
  await expectText(ui.testId('role-r0'), 'sequencer');
  await ui.page.getByLabel('Command for the sequencer').waitFor();
  await ui.button('Step').click();
  await expectText(ui.status, 'Tick 1 · Step 1');
  assert.deepEqual(await logCommands(ui.page, 'r0'), ['+1']);
  await ui.page.screenshot({ path: path.join(ARTIFACTS, 'desktop-bad-link.png') });
  await close(ui);
});
