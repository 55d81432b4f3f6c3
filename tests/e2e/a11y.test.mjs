// End-to-end test of the page's accessibility tree, as Chromium computes it
// for screen readers (CDP Accessibility.getFullAXTree): every control has a
// name, on the first page, with a node's actions open and with the
// Partition… dialog open; and the names other tests and users rely on are
// there, each under its role.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/a11y.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PROJECTOR, close, expectText, open, useApp } from './harness.mjs';

useApp();

/// Roles a user operates: each needs a name to be found and announced.
const INTERACTIVE = new Set([
  'button', 'link', 'checkbox', 'combobox', 'slider', 'spinbutton', 'textbox', 'menuitem',
  'radio', 'tab', 'switch', 'searchbox', 'menuitemcheckbox', 'menuitemradio', 'listbox',
]);

/// The accessibility tree's nodes that are not ignored, with role, name,
/// and for each its parent chain (to find the options of a combobox).
async function axTree(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Accessibility.enable');
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    const described = async (node) => {
      if (node.backendDOMNodeId === undefined) return '(no DOM node)';
      const { node: dom } = await cdp.send('DOM.describeNode', { backendNodeId: node.backendDOMNodeId });
      return `<${dom.localName} ${(dom.attributes ?? []).join(' ')}>`;
    };
    const live = nodes.filter((n) => !n.ignored).map((n) => ({
      id: n.nodeId,
      role: n.role?.value ?? '',
      name: (n.name?.value ?? '').trim(),
      disabled: (n.properties ?? []).some((p) => p.name === 'disabled' && p.value.value),
      parent: n.parentId,
      raw: n,
    }));
    const unnamed = [];
    for (const n of live.filter((n) => INTERACTIVE.has(n.role) && n.name === '')) {
      unnamed.push(`${n.role} ${await described(n.raw)}`);
    }
    const ancestors = (n) => {
      const chain = [];
      for (let p = byId.get(n.parent); p; p = byId.get(p.parentId)) chain.push(p.nodeId);
      return chain;
    };
    return { live, unnamed, ancestors };
  } finally {
    await cdp.detach();
  }
}

function assertAllNamed(tree, where) {
  const controls = tree.live.filter((n) => INTERACTIVE.has(n.role));
  assert.ok(controls.length > 10, `${where}: the tree lists the page's controls (${controls.length})`);
  assert.deepEqual(tree.unnamed, [], `${where}: every control has an accessible name`);
}

/// The one node with this role and name (exact), asserting there is one.
function the(tree, role, name) {
  const found = tree.live.filter((n) => n.role === role && n.name === name);
  const same = tree.live.filter((n) => n.role === role).map((n) => n.name);
  assert.equal(found.length, 1, `one ${role} named “${name}” (${role}s: ${JSON.stringify(same)})`);
  return found[0];
}

test('Every control has an accessible name, and the contract names are there by role', async () => {
  const ui = await open(PROJECTOR, '#scenario=failover-quorum');
  const { page } = ui;
  for (let i = 0; i < 3; i++) await ui.button('Step').click();

  const first = await axTree(page);
  assertAllNamed(first, 'first page');
  for (const name of ['Step', 'Back', 'Play', 'Pause', 'Reset', 'Partition…', 'Heal all',
    'Copy link', 'Keyboard shortcuts', 'Write']) {
    the(first, 'button', name);
  }
  assert.equal(the(first, 'button', 'Pause').disabled, true, 'Pause waits for Play');
  the(first, 'slider', 'Timeline');
  the(first, 'slider', 'Speed');
  the(first, 'spinbutton', 'Seed');
  the(first, 'spinbutton', 'Replicas');
  the(first, 'combobox', 'Scenario');
  the(first, 'textbox', 'Command for the primary');
  const protocol = the(first, 'combobox', 'Protocol');
  const options = first.live
    .filter((n) => n.role === 'option' && first.ancestors(n).includes(protocol.id))
    .map((n) => n.name);
  for (const option of ['Active-active', 'Primary-backup']) {
    assert.ok(options.includes(option), `Protocol offers ${option} (${JSON.stringify(options)})`);
  }
  for (const node of ['r0', 'r1', 'r2']) the(first, 'button', `Replica ${node}`);
  for (const link of ['r0–r1', 'r0–r2', 'r1–r2']) the(first, 'button', `Link ${link}`);

  // Playing: Pause is the live button.
  // Playing (a sixteenth of a step a frame: this run lasts minutes):
  // Pause is the live button.
  await ui.button('Play').click();
  await page.waitForFunction(() => [...document.querySelectorAll('button')]
    .some((b) => b.textContent.trim() === 'Pause' && !b.disabled));
  const playing = await axTree(page);
  assert.equal(the(playing, 'button', 'Pause').disabled, false, 'Pause is live while playing');
  assert.equal(the(playing, 'button', 'Play').disabled, true);
  await ui.button('Pause').click();

  // A node's actions open.
  await ui.testId('node-r1').click();
  await page.getByRole('group', { name: 'Actions for r1' }).waitFor();
  const menu = await axTree(page);
  assertAllNamed(menu, 'node actions open');
  the(menu, 'group', 'Actions for r1');
  for (const name of ['Crash', 'Isolate', 'Make primary', 'Send write', 'Close']) the(menu, 'button', name);
  await page.keyboard.press('Escape');
  await page.getByRole('group', { name: 'Actions for r1' }).waitFor({ state: 'detached' });

  // The Partition… dialog open.
  await ui.button('Partition…').click();
  const dialog = page.getByRole('dialog', { name: 'Partition the network' });
  await dialog.waitFor();
  const modal = await axTree(page);
  assertAllNamed(modal, 'partition dialog open');
  the(modal, 'dialog', 'Partition the network');
  the(modal, 'button', 'Apply partition');
  the(modal, 'button', 'Cancel');
  const boxes = modal.live.filter((n) => n.role === 'checkbox').map((n) => n.name);
  assert.ok(boxes.length >= 7, `a checkbox per node and group, and one way (${JSON.stringify(boxes)})`);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await close(ui);
});

test('Active-active names its nodes, and the data panels are named too', async () => {
  const ui = await open(DESKTOP, '#scenario=subscribers');
  const { page } = ui;
  for (let i = 0; i < 12; i++) await ui.button('Step').click();
  await expectText(ui.testId('role-r0'), 'sequencer');
  const tree = await axTree(page);
  assertAllNamed(tree, 'subscribers scenario');
  the(tree, 'button', 'Replica r1');
  the(tree, 'button', 'Link r1–r2');
  the(tree, 'textbox', 'Command for the sequencer');
  await close(ui);
});
