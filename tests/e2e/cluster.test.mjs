// End-to-end tests of the cluster view and the log tapes: a failover
// driven from the drawing, a link cut and healed, the keyboard path, and
// the layout on a projector and a phone.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/
//
// Screenshots land in target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ARTIFACTS_DIR as ARTIFACTS, PHONE, PROJECTOR, close, expectText, open, useApp,
} from './harness.mjs';

useApp();

const focusedTestId = (page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/// Scrolls so the cluster view sits right under the sticky toolbar, as a
/// lecturer would after opening the page.
async function showCluster(page) {
  await page.evaluate(() => {
    const toolbar = document.querySelector('.toolbar').getBoundingClientRect().height;
    const top = document.querySelector('[data-testid=cluster]').getBoundingClientRect().top;
    window.scrollBy(0, top - toolbar - 4);
  });
}

/// Clicks Step until `done()` holds; returns how many steps it took.
async function stepUntil(ui, done, maxSteps = 300) {
  for (let steps = 0; ; steps++) {
    if (await done()) return steps;
    assert.ok(steps < maxSteps, `reached within ${maxSteps} steps`);
    await ui.button('Step').click();
  }
}

test('Crash the primary from its node, watch a backup take over, cut a link, heal', async () => {
  const ui = await open(PROJECTOR, '#scenario=failover-quorum');
  const { page } = ui;
  await expectText(ui.testId('role-r0'), 'primary · epoch 1');
  await expectText(ui.testId('role-r1'), 'backup · epoch 1');

  await ui.testId('node-r0').click();
  const actions = page.getByRole('group', { name: 'Actions for r0' });
  await actions.waitFor();
  await actions.getByRole('button', { name: 'Crash', exact: true }).click();
  await expectText(ui.status, 'Tick 0 · Step 1');
  await expectText(ui.testId('health-r0'), 'down');
  assert.match(await ui.testId('node-r0').getAttribute('class'), /\bdown\b/);
  // The same menu now offers Restart; Escape closes it.
  await actions.getByRole('button', { name: 'Restart', exact: true }).waitFor();
  await page.keyboard.press('Escape');
  await actions.waitFor({ state: 'detached' });
  assert.equal(await focusedTestId(page), 'node-r0', 'focus returns to the node');

  // Silence from r0: a backup times out and wins epoch 2.
  const primaryNow = async () => {
    for (const node of ['r1', 'r2']) {
      if ((await ui.testId(`role-${node}`).textContent()).startsWith('primary')) return node;
    }
    return null;
  };
  await stepUntil(ui, primaryNow);
  const primary = await primaryNow();
  await expectText(ui.testId(`role-${primary}`), 'primary · epoch 2');
  await showCluster(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'cluster-failover-projector.png') });

  // Cut r1–r2 by clicking the link: the new primary's next message to the
  // other backup is dropped, and the drawing says so.
  const link = page.getByRole('button', { name: 'Link r1–r2', exact: true });
  await link.click();
  assert.equal(await link.getAttribute('aria-pressed'), 'true');
  const dash = await ui.testId('wire-r1-r2').locator('line.wire.cut')
    .evaluate((line) => getComputedStyle(line).strokeDasharray);
  assert.notEqual(dash, 'none', 'a cut link is dashed');
  assert.match(await ui.testId('network').textContent(), /r1↔r2/);
  const drops = page.locator('[data-testid=drop-r1-r2], [data-testid=drop-r2-r1]');
  await stepUntil(ui, async () => (await drops.count()) > 0, 40);
  await showCluster(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'cluster-drop-projector.png') });
  await ui.testId('cluster').screenshot({ path: path.join(ARTIFACTS, 'cluster-view-projector.png') });
  await ui.testId('tapes').screenshot({ path: path.join(ARTIFACTS, 'log-tapes-projector.png') });

  await ui.button('Heal all').click();
  assert.equal(await link.getAttribute('aria-pressed'), 'false');
  assert.equal(await ui.button('Heal all').isDisabled(), true);
  await expectText(page.locator('[data-testid=network] p'), 'Network: every link works.');
  await close(ui);
});

test('Keyboard: Tab reaches a node, Enter opens its actions, Escape closes them', async () => {
  const ui = await open(PROJECTOR, '#scenario=failover-quorum');
  const { page } = ui;
  for (let i = 0; i < 40 && (await focusedTestId(page)) !== 'node-r0'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await focusedTestId(page), 'node-r0', 'Tab reaches the first node');
  await page.keyboard.press('Enter');
  const actions = page.getByRole('group', { name: 'Actions for r0' });
  await actions.waitFor();
  assert.equal(await focusedTestId(page), 'actions-r0', 'focus moves into the actions');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Crash');
  await page.keyboard.press('Escape');
  await actions.waitFor({ state: 'detached' });
  assert.equal(await focusedTestId(page), 'node-r0');
  await expectText(ui.status, 'Tick 0 · Step 0', 1_000);

  // Space on a link cuts it.
  for (let i = 0; i < 10 && (await focusedTestId(page)) !== 'link-r0-r1'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await focusedTestId(page), 'link-r0-r1');
  await page.keyboard.press(' ');
  await expectText(ui.status, 'Tick 0 · Step 1');
  assert.equal(await ui.testId('link-r0-r1').getAttribute('aria-pressed'), 'true');
  await close(ui);
});

test('Clicking a cut link reconnects it as one recorded input; the other cut stays', async () => {
  // Three nodes: no link runs under another's middle.
  const ui = await open(PROJECTOR, '#scenario=failover-quorum');
  const { page } = ui;
  const link = (name) => page.getByRole('button', { name, exact: true });
  await link('Link r0–r1').click();
  await link('Link r0–r2').click();
  await expectText(ui.status, 'Tick 0 · Step 2');
  await expectText(page.locator('[data-testid=network] p'), 'Network: cut r0↔r1, r0↔r2.');
  await link('Link r0–r1').click();
  // One click, one input: one step more, and the feed tells just that.
  await expectText(ui.status, 'Tick 0 · Step 3');
  assert.equal(await link('Link r0–r1').getAttribute('aria-pressed'), 'false');
  assert.equal(await link('Link r0–r2').getAttribute('aria-pressed'), 'true');
  await expectText(page.locator('[data-testid=network] p'), 'Network: cut r0↔r2.');
  const newest = page.locator('[data-testid=last-events] > li').first();
  assert.equal(await newest.getAttribute('data-step'), '3');
  assert.deepEqual(
    (await newest.locator('.events li').allTextContents()).map((t) => t.trim()),
    ['The link r0→r1 works again.', 'The link r1→r0 works again.']);
  // The share link carries three inputs, the last a heal_link.
  await ui.button('Copy link').click();
  const shared = await ui.testId('share-link').inputValue();
  const inputs = JSON.parse(Buffer.from(new URL(shared).hash.split('inputs=')[1], 'base64url').toString());
  assert.deepEqual(inputs.map(([, input]) => input.type), ['partition', 'partition', 'heal_link']);
  await close(ui);
});

test('Four nodes: a click on each link toggles that link; where the diagonals cross, none', async () => {
  const ui = await open(PROJECTOR, '#scenario=arithmetic');
  const { page } = ui;
  await showCluster(page);
  const links = await page.locator('[data-testid=cluster-svg] g.link').evaluateAll(
    (gs) => gs.map((g) => g.dataset.testid));
  assert.equal(links.length, 6, `four nodes, six links (${links})`);
  // A point on a link's own click strip (the middle of its first piece),
  // and the middle of its whole strip, in page coordinates.
  const points = (id) => page.evaluate((id) => {
    const path = document.querySelector(`[data-testid=${id}] .hit`);
    const ctm = path.getScreenCTM();
    const screen = (x, y) => {
      const p = new DOMPoint(x, y).matrixTransform(ctm);
      return { x: p.x, y: p.y };
    };
    const first = path.getAttribute('d').split('Z')[0].replace('M', '').trim().split(' ')
      .map((xy) => xy.split(',').map(Number));
    const mean = (i) => first.reduce((sum, c) => sum + c[i], 0) / first.length;
    const box = path.getBBox();
    return { own: screen(mean(0), mean(1)), middle: screen(box.x + box.width / 2, box.y + box.height / 2) };
  }, id);
  const pressed = () => page.locator('[data-testid=cluster-svg] g.link').evaluateAll(
    (gs) => gs.filter((g) => g.getAttribute('aria-pressed') === 'true').map((g) => g.dataset.testid));
  let step = 0;
  for (const id of links) {
    const { own } = await points(id);
    await page.mouse.click(own.x, own.y);
    step += 1;
    await expectText(ui.status, `Tick 0 · Step ${step}`);
    assert.deepEqual(await pressed(), [id], `a click on ${id} cuts ${id} alone`);
    await page.mouse.click(own.x, own.y);
    step += 1;
    await expectText(ui.status, `Tick 0 · Step ${step}`);
    assert.deepEqual(await pressed(), [], `a second click on ${id} reconnects it`);
  }
  // The diagonals r0–r2 and r1–r3 cross in the middle of the ring: a click
  // there is on neither strip.
  const { middle } = await points('link-r0-r2');
  const across = await points('link-r1-r3');
  assert.ok(Math.hypot(middle.x - across.middle.x, middle.y - across.middle.y) < 2,
    `the diagonals cross at their middles (${JSON.stringify([middle, across.middle])})`);
  const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('g.link')
    ?.dataset.testid ?? null, middle);
  assert.equal(hit, null, 'no link takes a click where the diagonals cross');
  await page.mouse.click(middle.x, middle.y);
  await page.waitForTimeout(200);
  await expectText(ui.status, `Tick 0 · Step ${step}`);
  assert.deepEqual(await pressed(), []);
  await page.screenshot({ path: path.join(ARTIFACTS, 'cluster-four-links-projector.png') });
  await close(ui);
});

test('The partition dialog cuts the cluster in two', async () => {
  const ui = await open(PROJECTOR, '#scenario=failover-quorum');
  const { page } = ui;
  await ui.button('Partition…').click();
  const dialog = page.getByRole('dialog', { name: 'Partition the network' });
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  await page.screenshot({ path: path.join(ARTIFACTS, 'partition-dialog-projector.png') });
  await dialog.getByRole('button', { name: 'Apply partition', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await expectText(page.locator('[data-testid=network] p'), 'Network: cut r0↔r1, r0↔r2.');
  await close(ui);
});

/// Where the toolbar, cluster and tapes are once the cluster sits under
/// the toolbar, and the smallest text in the cluster view and the tapes
/// (SVG text scaled by the drawing's zoom; screen-reader-only text and
/// tooltips left out).
async function projectorFit(page) {
  await showCluster(page);
  return page.evaluate(() => {
    const box = (selector) => document.querySelector(selector).getBoundingClientRect();
    const smallest = (root) => {
      let min = { px: Infinity, text: '' };
      for (const el of document.querySelectorAll(`${root} *`)) {
        if (el.tagName === 'title' || el.closest('.visually-hidden, title')) continue;
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const rect = el.getBoundingClientRect();
        if (!own || rect.width < 2 || rect.height < 2) continue;
        const svg = el instanceof SVGElement ? el.ownerSVGElement : null;
        const px = parseFloat(getComputedStyle(el).fontSize) * (svg ? svg.getScreenCTM().a : 1);
        if (px < min.px) min = { px: Math.round(px * 10) / 10, text: el.textContent.trim().slice(0, 24) };
      }
      return min;
    };
    return {
      toolbar: Math.round(box('.toolbar').bottom),
      top: Math.round(box('[data-testid=cluster]').top),
      bottom: Math.round(box('[data-testid=tapes]').bottom),
      drawingBottom: Math.round(box('[data-testid=cluster-svg]').bottom),
      height: innerHeight,
      tapes: document.querySelectorAll('[data-testid^=tape-r]').length,
      nodes: document.querySelectorAll('[data-testid=cluster-svg] [data-testid^=node-]').length,
      clusterText: smallest('[data-testid=cluster]'),
      tapesText: smallest('[data-testid=tapes]'),
    };
  });
}

function assertFits(fit, what) {
  const report = JSON.stringify(fit);
  assert.ok(fit.top >= fit.toolbar - 1, `${what}: the cluster starts below the toolbar (${report})`);
  assert.ok(fit.bottom <= fit.height,
    `${what}: the last tape ends on the first screen, under the toolbar and cluster (${report})`);
  assert.ok(fit.clusterText.px >= 14, `${what}: cluster text is at least 14 px (${report})`);
  assert.ok(fit.tapesText.px >= 14, `${what}: tape text is at least 14 px (${report})`);
}

/// Six nodes or more: the drawing (not the tapes) fits the first screen.
function assertBigFits(fit, what) {
  const report = JSON.stringify(fit);
  assert.ok(fit.top >= fit.toolbar - 1, `${what}: the cluster starts below the toolbar (${report})`);
  assert.ok(fit.drawingBottom <= fit.height,
    `${what}: the cluster drawing ends on the first screen, under the toolbar (${report})`);
  assert.ok(fit.clusterText.px >= 14, `${what}: cluster text is at least 14 px (${report})`);
  assert.ok(fit.tapesText.px >= 14, `${what}: tape text is at least 14 px (${report})`);
}

test('On a projector the toolbar, the cluster and every tape fit one screen, in every scenario', async () => {
  const ui = await open(PROJECTOR);
  const { page } = ui;
  const picker = page.getByLabel('Scenario');
  const scenarios = await picker.locator('option').evaluateAll((options) => options.map((o) => o.value));
  assert.ok(scenarios.length >= 20, `the picker lists the bundled scenarios (${scenarios})`);
  const report = [];
  for (const scenario of scenarios) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await picker.selectOption(scenario);
    await expectText(ui.status, 'Tick 0 · Step 0');
    assert.equal(await page.getByLabel('Scenario').inputValue(), scenario);
    for (let i = 0; i < 8; i++) await ui.button('Step').click();
    const fit = await projectorFit(page);
    // The layout promises one screen for clusters of up to five nodes;
    // bigger ones get the whole width and lower cards: the drawing fits the
    // screen under the toolbar and its text stays readable, the tapes
    // follow below.
    if (fit.tapes > 5) {
      assertBigFits(fit, scenario);
      report.push(`${scenario}: ${fit.nodes} nodes, the drawing ends at ${fit.drawingBottom} of ` +
        `${fit.height} px, smallest text ${fit.clusterText.px} px`);
      continue;
    }
    assertFits(fit, scenario);
    report.push(`${scenario}: ${fit.tapes} tapes end at ${fit.bottom} of ${fit.height} px`);
    if (scenario === 'arithmetic' || scenario === 'failover-quorum') {
      await page.screenshot({ path: path.join(ARTIFACTS, `cluster-${scenario}-projector.png`) });
    }
  }
  console.log(report.join('\n'));
  await close(ui);

  // Five replicas: a taller ring and five tapes.
  const five = await open(PROJECTOR, '#scenario=failover-quorum&replicas=5');
  for (let i = 0; i < 8; i++) await five.button('Step').click();
  await expectText(five.testId('role-r4'), 'backup · epoch 1');
  const fit = await projectorFit(five.page);
  assertFits(fit, 'failover-quorum with 5 replicas');
  console.log(`failover-quorum, 5 replicas: ${fit.tapes} tapes end at ${fit.bottom} of ${fit.height} px`);
  await five.page.screenshot({ path: path.join(ARTIFACTS, 'cluster-five-replicas-projector.png') });
  await close(five);

  // Six to nine replicas (seven to ten nodes with the sequencer).
  for (const [scenario, replicas] of [['failover-quorum', 6], ['failover-quorum', 7],
    ['arithmetic', 8], ['failover-quorum', 9], ['scale', 9]]) {
    const big = await open(PROJECTOR, `#scenario=${scenario}&replicas=${replicas}`);
    for (let i = 0; i < 8; i++) await big.button('Step').click();
    const fit = await projectorFit(big.page);
    assertBigFits(fit, `${scenario} with ${replicas} replicas`);
    console.log(`${scenario}, ${replicas} replicas: ${fit.nodes} nodes, the drawing ends at ` +
      `${fit.drawingBottom} of ${fit.height} px, smallest text ${fit.clusterText.px} px`);
    await big.page.screenshot({ path: path.join(ARTIFACTS, `cluster-${scenario}-${replicas}-projector.png`) });
    await close(big);
  }
});

test('Between phone and projector a ring of ten keeps its cards readable and its text inside them', async () => {
  // 700 to 1000 px: the drawing takes the whole width (cluster_view.rs,
  // MEDIUM). The 1540-unit drawing of a wide screen set card text at 9 px
  // and less here.
  const report = [];
  for (const width of [720, 800, 990]) {
    const ui = await open({ width, height: 900 }, '#scenario=scale');
    for (let i = 0; i < 3; i++) await ui.button('Step').click();
    const fit = await projectorFit(ui.page);
    const overflow = await ui.page.evaluate(() => [...document.querySelectorAll(
      '[data-testid=cluster-svg] [data-testid^=node-]')].flatMap((node) => {
      const card = node.querySelector('rect.card').getBoundingClientRect();
      return [...node.querySelectorAll('text')]
        .filter((t) => t.getBoundingClientRect().right > card.right + 0.5)
        .map((t) => `${node.dataset.testid}: ${t.textContent.trim()}`);
    }));
    assert.equal(fit.nodes, 10, `${width} px: ten nodes drawn`);
    assert.ok(fit.clusterText.px >= 9.5,
      `${width} px: card text is at least 9.5 px (${JSON.stringify(fit.clusterText)})`);
    assert.deepEqual(overflow, [], `${width} px: every card's text stays inside the card`);
    report.push(`${width} px: smallest cluster text ${fit.clusterText.px} px`);
    await ui.page.screenshot({ path: path.join(ARTIFACTS, `cluster-scale-${width}.png`) });
    await close(ui);
  }
  console.log(report.join('\n'));
});

for (const scenario of ['arithmetic', 'failover-quorum']) {
  test(`On a phone nothing scrolls sideways and the controls stay usable (${scenario})`, async () => {
    const ui = await open(PHONE, `#scenario=${scenario}`);
    const { page } = ui;
    for (let i = 0; i < 8; i++) await ui.button('Step').click();
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      width: innerWidth,
      controls: [...document.querySelectorAll('.toolbar button, .toolbar input, .setup select, .setup input')]
        .map((el) => {
          const r = el.getBoundingClientRect();
          return { name: el.textContent.trim() || el.id || el.getAttribute('aria-label'),
            left: r.left, right: r.right, width: r.width, height: r.height };
        }),
    }));
    assert.ok(layout.scrollWidth <= layout.width,
      `no horizontal scrolling at ${layout.width} px (document ${layout.scrollWidth} px)`);
    for (const c of layout.controls) {
      assert.ok(c.left >= 0 && c.right <= layout.width, `${c.name} is on screen (${JSON.stringify(c)})`);
      assert.ok(c.height >= 24 && c.width >= 24, `${c.name} is big enough to tap (${JSON.stringify(c)})`);
    }
    for (const name of ['Back', 'Step', 'Play', 'Pause', 'Reset']) {
      const c = layout.controls.find((b) => b.name === name);
      assert.ok(c.height >= 40 && c.width >= 44, `${name} is a comfortable target (${JSON.stringify(c)})`);
    }
    // The buttons work at this size.
    await ui.button('Back').click();
    await page.waitForFunction(
      () => /· Step 7$/.test(document.querySelector('[role=status]').textContent.trim()));
    await page.screenshot({ path: path.join(ARTIFACTS, `phone-${scenario}.png`) });
    await showCluster(page);
    await page.screenshot({ path: path.join(ARTIFACTS, `phone-${scenario}-cluster.png`) });
    await close(ui);
  });
}

test('On a phone the cluster view stacks and the page does not scroll sideways', async () => {
  const ui = await open(PHONE, '#scenario=failover-quorum');
  const { page } = ui;
  for (let i = 0; i < 12; i++) await ui.button('Step').click();
  await ui.testId('node-r1').click();
  await page.getByRole('group', { name: 'Actions for r1' }).waitFor();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no horizontal scrolling at 390 px');
  await showCluster(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'cluster-view-phone.png') });
  await ui.testId('tapes').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'log-tapes-phone.png') });
  await page.screenshot({ path: path.join(ARTIFACTS, 'cluster-phone-full.png'), fullPage: true });
  await page.getByRole('group', { name: 'Actions for r1' })
    .getByRole('button', { name: 'Send write', exact: true }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'command');
  assert.equal(await page.getByLabel('Send to').inputValue(), 'r1');
  await close(ui);
});
