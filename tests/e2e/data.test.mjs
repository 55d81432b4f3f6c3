// End-to-end tests of the data panels: subscribers, the consumer group, the
// table at an offset and the checkers' "Go to step", clicked through as a
// lecturer would, at projector and phone sizes.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/
//
// Screenshots land in target/e2e/ (data-*.png).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ARTIFACTS_DIR, PHONE, PROJECTOR, close, expectText, open, stepToEnd, useApp,
} from './harness.mjs';

useApp();

async function noHorizontalScroll(ui, viewport) {
  const overflow = await ui.page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, `no horizontal scrolling at ${viewport.width} px`);
}

/// A viewport-sized screenshot with the panel `id` at the top, just under
/// the sticky toolbar: what a lecturer sees after scrolling to it.
async function shootPanel(ui, id, file) {
  await ui.testId(id).evaluate((panel) => {
    const toolbar = document.querySelector('.toolbar');
    const below = toolbar ? toolbar.getBoundingClientRect().height : 0;
    window.scrollTo(0, panel.getBoundingClientRect().top + window.scrollY - below - 8);
  });
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, file) });
}

async function number(ui, id) {
  return Number((await ui.testId(id).textContent()).trim());
}

test('Data integration: the group rebalances, a crashed subscriber catches up, the table travels in time', async () => {
  const ui = await open(PROJECTOR, '#scenario=data-integration');
  const steps = await stepToEnd(ui);
  // Literal: the scenario runs to tick 60, which takes 254 steps.
  assert.equal(steps, 254);
  await expectText(ui.status, 'Tick 60 · Step 254');

  // The group: 4 partitions, 3 members, generation 3 after m1 crashed and
  // rejoined, 2 changes processed twice, and its table equals the source.
  const group = ui.testId('group-dashboards');
  assert.equal(await group.locator('.partition').count(), 4);
  assert.equal(await group.locator('.member').count(), 3);
  assert.equal(await group.locator('.member .health', { hasText: 'up' }).count(), 3);
  await expectText(ui.testId('group-dashboards-generation'), '3');
  await expectText(ui.testId('group-dashboards-redelivered'), '2');
  await expectText(ui.testId('group-dashboards-status'), '✓ equals the source table');
  for (const p of [0, 1, 2, 3]) {
    assert.match(await ui.testId(`owner-dashboards-p${p}`).textContent(), /^m[0-2]$/);
  }

  // A lag chart per subscriber, drawn up to the last step.
  for (const name of ['search', 'cache', 'warehouse']) {
    const chart = ui.testId(`lag-chart-${name}`);
    assert.equal(await chart.locator('svg polyline.lag').count(), 1, `${name} has a lag curve`);
    assert.match(await chart.textContent(), /step 254/);
    await expectText(ui.testId(`sub-${name}-lag`), '0');
  }

  // Crash the cache by its button; new writes pile up behind it.
  await ui.button('Crash cache').click();
  await expectText(ui.testId('sub-cache-health'), 'crashed');
  const field = ui.page.getByLabel('Command for the primary');
  for (const command of ['put lecture 1', 'incr lecture']) {
    await field.fill(command);
    await ui.button('Write').click();
  }
  for (let i = 0; i < 40; i++) await ui.button('Step').click();
  assert.ok(await number(ui, 'sub-cache-lag') >= 2, 'the crashed cache falls behind');
  assert.equal(await ui.testId('sub-cache-state').getByText('lecture', { exact: true }).count(), 0);

  // Restart: it resumes from its committed offset and catches up.
  await ui.button('Restart cache').click();
  await expectText(ui.testId('sub-cache-health'), 'up');
  await stepToEnd(ui);
  await expectText(ui.testId('sub-cache-lag'), '0');
  const lecture = ui.testId('sub-cache-state').locator('tr', { hasText: 'lecture' });
  await expectText(lecture.locator('td'), '2');

  // Time travel: the table at offset 3, then what changed from 3 to 9.
  const end = Number((await ui.testId('table-at-value').textContent()).trim());
  assert.ok(end >= 20, `the log has grown to ${end} records`);
  await ui.page.getByLabel('Table offset', { exact: true }).fill('3');
  await expectText(ui.testId('table-at-value'), '3');
  // Literal: the first three records put user:ann, incr clicks:home, put cpu:r1.
  const keys = await ui.testId('table-rows').locator('tbody th').allTextContents();
  assert.deepEqual(keys, ['clicks:home', 'cpu:r1', 'user:ann']);
  await ui.page.getByLabel('Table offset', { exact: true }).fill('9');
  await ui.page.getByLabel('Compare with offset', { exact: true }).fill('3');
  const changes = await ui.testId('table-diff').locator('li').allTextContents();
  assert.ok(changes.includes('~ changed cpu:r1: 40 → 72'), changes.join(' | '));
  assert.ok(changes.includes('+ added user:bob = 1'), changes.join(' | '));
  await ui.page.getByLabel('Show the compacted log').check();
  assert.match(await ui.testId('fold-note').textContent(), /Both fold to the same table/);

  await noHorizontalScroll(ui, PROJECTOR);
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'data-integration-1280.png'), fullPage: true });
  await shootPanel(ui, 'subscribers', 'data-integration-subscribers-1280.png');
  await shootPanel(ui, 'groups', 'data-integration-groups-1280.png');
  await shootPanel(ui, 'table-view', 'data-integration-table-1280.png');
  await close(ui);
});

test('Data integration fits a phone', async () => {
  const ui = await open(PHONE, '#scenario=data-integration');
  for (let i = 0; i < 120; i++) await ui.button('Step').click();
  await expectText(ui.status, 'Tick 16 · Step 120');
  // m1 has crashed and the group has rebalanced (generation 2).
  await expectText(ui.testId('group-dashboards-generation'), '2');
  await expectText(ui.testId('owner-dashboards-p1'), 'm2');
  await noHorizontalScroll(ui, PHONE);
  await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, 'data-integration-390.png'), fullPage: true });
  await shootPanel(ui, 'subscribers', 'data-integration-subscribers-390.png');
  await shootPanel(ui, 'groups', 'data-integration-groups-390.png');
  await close(ui);
});

for (const [device, viewport] of [['1280', PROJECTOR], ['390', PHONE]]) {
  test(`A stale read: the checker panel jumps to where it began (${device} px)`, async () => {
    const ui = await open(viewport, '#scenario=read-your-writes-stale');
    const checkers = ui.page.getByRole('region', { name: 'Checkers', exact: true });
    await expectText(checkers.locator('p'), 'No invariant broken so far.');
    assert.equal(await stepToEnd(ui), 16);
    await expectText(ui.status, 'Tick 13 · Step 16');
    assert.match(await checkers.textContent(), /read-your-writes/);

    await ui.button('Go to step 6').click();
    await expectText(ui.status, 'Tick 4 · Step 6');
    // The world right after that step: the stale answer is the newest event.
    const newest = ui.testId('last-events').locator(':scope > li').first();
    await expectText(newest.locator('.step-title'), 'Step 6 · tick 4');
    assert.match(await newest.textContent(), /Stale: it had read up to #0, but c1's own write is at #1/);
    await expectText(ui.page.locator('[data-invariant=read-your-writes] .state'), 'broken');
    await expectText(ui.page.locator('[data-testid=ryw-answers] li.stale .badge').first(), '⚠ STALE');

    await noHorizontalScroll(ui, viewport);
    await ui.page.screenshot({ path: path.join(ARTIFACTS_DIR, `data-stale-read-${device}.png`), fullPage: true });
    await shootPanel(ui, 'checkers', `data-stale-read-checkers-${device}.png`);
    await close(ui);
  });
}
