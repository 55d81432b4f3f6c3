// Trunk post_build hook (Trunk.toml): minifies the wasm-bindgen JS glue in
// the staging folder with terser, then rewrites its integrity hash in
// index.html. Trunk's own JS minifier gives up on the glue's
// `export { … as default }`, so the file would otherwise ship as written.
// Release builds only; terser comes from .tools (scripts/install).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

const html = join(staging, 'index.html');
let page = readFileSync(html, 'utf8');
const glue = readdirSync(staging).filter((f) => /^loglab-[0-9a-f]+\.js$/.test(f));
if (glue.length !== 1) throw new Error(`expected one loglab-*.js in ${staging}, found ${glue}`);
for (const name of glue) {
  const file = join(staging, name);
  const source = readFileSync(file, 'utf8');
  const { code } = await minify(source, { module: true, compress: true, mangle: true });
  writeFileSync(file, code);
  const sri = (text) => `sha384-${createHash('sha384').update(text).digest('base64')}`;
  const before = sri(source);
  if (!page.includes(before)) throw new Error(`index.html has no integrity ${before} for ${name}`);
  page = page.replaceAll(before, sri(code));
  console.log(`minify-js: ${name} ${source.length} -> ${code.length} bytes`);
}
writeFileSync(html, page);
