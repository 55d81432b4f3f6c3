// End-to-end tests of Open file…: the sample dumps and a scenario file put
// in the file input become the run; a broken file is named in an alert and
// the run shown stays exactly as it was.
//
//   TRUNK_SKIP_VERSION_CHECK=true trunk build --release
//   node --test tests/e2e/
//
// Screenshots land in target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ARTIFACTS_DIR as ARTIFACTS, PHONE, PROJECTOR, close, expectText, open, stepToEnd, useApp,
} from './harness.mjs';

useApp();

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sample = (name) => path.join(ROOT, 'samples', name);
const scenario = (name) => path.join(ROOT, 'scenarios', name);

/// The file input behind the Open file… button.
const fileInput = (ui) => ui.testId('open-file-input');

/// The state of the run as the page shows it.
async function runState(ui) {
  const { page } = ui;
  return {
    status: (await ui.status.textContent()).trim(),
    hash: await ui.status.getAttribute('data-trace-hash'),
    url: page.url(),
    scenario: await page.locator('#scenario').inputValue(),
    // Chromium may leave an empty style attribute on a text field it
    // looked at for autofill: no state of the page's.
    cluster: (await ui.testId('cluster').innerHTML()).replaceAll(' style=""', ''),
    tapes: await ui.testId('tapes').innerHTML(),
    events: await ui.testId('last-events').innerHTML(),
  };
}

test('A kcat dump opens as a run; Step runs it; the share control says there is no link', async () => {
  const ui = await open(PROJECTOR, '#scenario=failover-quorum');
  const { page } = ui;
  for (let i = 0; i < 3; i++) await ui.button('Step').click();
  assert.match(await ui.status.textContent(), /Step 3$/);
  await fileInput(ui).setInputFiles(sample('kcat-orders.jsonl'));
  const note = ui.testId('open-note');
  await note.waitFor();
  assert.match(await note.textContent(),
    /^Opened “kcat-orders\.jsonl”, a kcat -J dump: its \d+ changes are the writes\. Skipped 1 line that is not a change \(line 4: .+\)\.$/);
  await expectText(ui.status, 'Tick 0 · Step 0');
  assert.equal(await page.locator('#scenario').inputValue(), '');
  await expectText(page.locator('#scenario option').first(), 'Your file: kcat-orders.jsonl');
  assert.match(await ui.testId('description').textContent(), /kcat-orders\.jsonl \(kcat -J\)/);
  assert.equal(new URL(page.url()).hash, '', 'the address names no other run');
  assert.equal(await ui.button('Copy link').isDisabled(), true);
  assert.match(await ui.testId('share-unavailable').textContent(),
    /No link for this run: .*kcat-orders\.jsonl/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'open-file-kcat-projector.png') });
  // An active-active key-value run of three replicas.
  await expectText(ui.testId('role-r0'), 'sequencer');
  const steps = await stepToEnd(ui, 800);
  assert.ok(steps > 10, `the dump's writes run (${steps} steps)`);
  await expectText(ui.testId('verdict'), 'Checkers: all hold.');
  await close(ui);
});

test('A wal2json dump and a scenario file open; picking a bundled scenario leaves the file', async () => {
  const ui = await open(PROJECTOR, '#scenario=arithmetic');
  const { page } = ui;
  await fileInput(ui).setInputFiles(sample('wal2json-stock.jsonl'));
  await ui.testId('open-note').waitFor();
  assert.match(await ui.testId('open-note').textContent(), /a wal2json dump/);
  await expectText(ui.status, 'Tick 0 · Step 0');

  // The button opens the browser's file picker.
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    ui.button('Open file…').click(),
  ]);
  await chooser.setFiles(scenario('partition-heal.json'));
  await expectText(ui.testId('open-note'),
    'Opened “partition-heal.json”: the scenario “Partition and heal”.');
  await ui.button('Step').click();
  assert.match(await ui.status.textContent(), /Step 1$/);

  await page.locator('#scenario').selectOption('arithmetic');
  await expectText(ui.status, 'Tick 0 · Step 0');
  assert.equal(new URL(page.url()).hash, '#scenario=arithmetic');
  assert.equal(await ui.testId('open-note').count(), 0);
  assert.equal(await ui.button('Copy link').isDisabled(), false);
  await close(ui);
});

test('A broken file is named in an alert and the run stays exactly as it was', async () => {
  const ui = await open(PROJECTOR, '#scenario=failover-quorum');
  const { page } = ui;
  for (let i = 0; i < 6; i++) await ui.button('Step').click();
  await ui.testId('link-r0-r1').click();
  const before = await runState(ui);
  await fileInput(ui).setInputFiles({
    name: 'broken-scenario.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{ "seed": 1, "replicas": 3, "inputs": [ { "tick": 1, '),
  });
  const alert = ui.testId('open-error');
  await alert.waitFor();
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.match(await alert.textContent(),
    /^Could not open “broken-scenario\.json”: not valid JSON: .+\. The run shown is unchanged\.$/);
  assert.deepEqual(await runState(ui), before);
  await page.screenshot({ path: path.join(ARTIFACTS, 'open-file-error-projector.png') });

  // A scenario that imports a dump by name cannot be opened alone.
  await fileInput(ui).setInputFiles(sample('import-kcat.json'));
  await page.getByText('open the dump itself').waitFor();
  assert.deepEqual(await runState(ui), before);
  // Nor an empty file.
  await fileInput(ui).setInputFiles({ name: 'empty.jsonl', mimeType: 'text/plain', buffer: Buffer.from('') });
  await expectText(alert, 'Could not open “empty.jsonl”: it is empty. The run shown is unchanged.');
  assert.deepEqual(await runState(ui), before);

  // The run carries on; the share link still works.
  await ui.button('Step').click();
  assert.notEqual((await ui.status.textContent()).trim(), before.status);
  assert.equal(await ui.button('Copy link').isDisabled(), false);
  await close(ui);
});

test('On a phone the Open file control and its error fit the screen', async () => {
  const ui = await open(PHONE, '#scenario=arithmetic');
  const { page } = ui;
  await fileInput(ui).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await ui.testId('open-error').waitFor();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no horizontal scrolling at 390 px');
  await page.screenshot({ path: path.join(ARTIFACTS, 'open-file-error-phone.png') });
  await close(ui);
});
