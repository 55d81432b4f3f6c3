// Starts the app without an inline script, so index.html's
// Content-Security-Policy can forbid inline scripts. Trunk writes the hashed
// file names into this tag's data attributes (Trunk.toml, pattern_script).
const tag = document.querySelector('script[data-wasm]');
try {
  const { default: init } = await import(tag.dataset.js);
  await init({ module_or_path: tag.dataset.wasm });
} catch (error) {
  // A panic while starting already shows the app's own banner.
  if (document.getElementById('crash')) throw error;
  const alert = document.createElement('p');
  alert.setAttribute('role', 'alert');
  alert.className = 'error';
  alert.textContent = `Loglab could not start in this browser: ${error}`;
  document.body.prepend(alert);
  throw error;
}
