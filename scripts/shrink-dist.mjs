// Trunk post_build hook (Trunk.toml), release builds only. In the staging
// folder it:
// - minifies the wasm-bindgen JS glue with terser (Trunk's own JS minifier
//   gives up on the glue's `export { … as default }`), and static/boot.js;
// - joins the stylesheets, in the page's order, into one file: gzip packs
//   the one file a quarter smaller than the seven apart, and the page makes
//   one request. The cascade is the same: sheets apply in document order.
// and rewrites index.html's links and integrity hashes to match. Source
// files stay as they are (static/*.css, one per part of the page).
// terser comes from .tools (scripts/install).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);

const staging = process.env.TRUNK_STAGING_DIR;
const tools = process.env.LOGLAB_TOOLS ?? join(process.cwd(), '.tools');
let minify;
try {
  ({ minify } = createRequire(join(tools, 'package.json'))('terser'));
} catch (error) {
  throw new Error(`terser is not in ${tools}: run scripts/install (${error.message})`);
}
const sri = (text) => `sha384-${createHash('sha384').update(text).digest('base64')}`;

const html = join(staging, 'index.html');
let page = readFileSync(html, 'utf8');

// The JS glue.
const glue = readdirSync(staging).filter((f) => /^loglab-[0-9a-f]+\.js$/.test(f));
if (glue.length !== 1) throw new Error(`expected one loglab-*.js in ${staging}, found ${glue}`);
for (const name of glue) {
  const file = join(staging, name);
  const source = readFileSync(file, 'utf8');
  const { code } = await minify(source, { module: true, compress: true, mangle: true });
  writeFileSync(file, code);
  const before = sri(source);
  if (!page.includes(before)) throw new Error(`index.html has no integrity ${before} for ${name}`);
  page = page.replaceAll(before, sri(code));
  console.log(`shrink-dist: ${name} ${source.length} -> ${code.length} bytes`);
}

// The loader (copied as is; no integrity hash points at it).
{
  const file = join(staging, 'boot.js');
  const source = readFileSync(file, 'utf8');
  const { code } = await minify(source, { module: true, compress: true, mangle: true });
  writeFileSync(file, code);
  console.log(`shrink-dist: boot.js ${source.length} -> ${code.length} bytes`);
}

// The stylesheets. Trunk writes each as <link href=… integrity=… rel=stylesheet>
// (attributes unquoted once minified, quoted otherwise).
const link = /<link\b[^>]*\brel="?stylesheet"?[^>]*>/g;
const links = page.match(link) ?? [];
const sheets = links.map((tag) => {
  const href = tag.match(/\bhref="?([^"\s>]+\.css)"?/)?.[1];
  if (!href) throw new Error(`no stylesheet href in ${tag}`);
  const name = href.split('/').pop();
  return { tag, href, name, text: readFileSync(join(staging, name), 'utf8') };
});
if (sheets.length > 1) {
  const joined = sheets.map((s) => s.text).join('\n');
  const hash = createHash('sha256').update(joined).digest('hex').slice(0, 16);
  const name = `app-${hash}.css`;
  writeFileSync(join(staging, name), joined);
  const href = sheets[0].href.slice(0, -sheets[0].name.length) + name;
  const tag = `<link href=${href} integrity=${sri(joined)} rel=stylesheet>`;
  page = page.replace(sheets[0].tag, tag);
  for (const sheet of sheets.slice(1)) page = page.replace(sheet.tag, '');
  for (const sheet of sheets) unlinkSync(join(staging, sheet.name));
  console.log(`shrink-dist: ${sheets.length} stylesheets -> ${name} (${joined.length} bytes)`);
}
writeFileSync(html, page);
