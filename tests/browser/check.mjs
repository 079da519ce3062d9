// check.mjs - open pages in Debian's headless Chromium (tests/browser.sh)
//
//   node tests/browser/check.mjs SHOTDIR NAME=FILE...
//
// For each page, at a 390 px wide viewport: no console error, no uncaught
// exception, no failed or non-file request, no script at all (none in the
// DOM, and a report's <script> or onerror= payload, which would set
// window.__pwned, never ran), no horizontal scroll; then a full-page
// screenshot SHOTDIR/NAME.png that is not blank, and NAME-wide.png at
// 1000 px.  Prints "FAIL ..." lines
// and "N passed, N failed".
import { chromium } from 'playwright-core';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [shots, ...pages] = process.argv.slice(2);
let passed = 0, failed = 0;
function check(name, ok, what) {
  if (ok) { passed++; return; }
  failed++;
  console.log(`FAIL ${name}: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND'],
});
for (const spec of pages) {
  const [name, file] = spec.split(/=(.*)/s);
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: true });
  const page = await ctx.newPage();
  const errors = [], requests = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  page.on('requestfailed', r => errors.push('failed: ' + r.url()));
  page.on('request', r => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  } catch (e) {
    check(`${name}: opens`, false, String(e).split('\n')[0]);
    await ctx.close();
    continue;
  }
  const got = await page.evaluate(() => ({
    pwned: window.__pwned,
    scripts: document.scripts.length,
    sw: document.documentElement.scrollWidth,
    cw: document.documentElement.clientWidth,
  }));
  check(`${name}: no console error or failed load`, errors.length === 0, errors.join('; '));
  check(`${name}: no remote request`, requests.length === 0, requests.join(' '));
  check(`${name}: no script in the page`, got.scripts === 0, `${got.scripts} script element(s)`);
  check(`${name}: no payload ran`, got.pwned === undefined, `window.__pwned = ${got.pwned}`);
  check(`${name}: no horizontal scroll at 390 px`, got.sw <= got.cw, `scrollWidth ${got.sw} > clientWidth ${got.cw}`);
  const png = join(shots, `${name}.png`);
  await page.screenshot({ path: png, fullPage: true });
  check(`${name}: screenshot`, statSync(png).size > 5000, `${png} is ${statSync(png).size} bytes`);
  // the same page on a desktop, for people (and the README)
  await page.setViewportSize({ width: 1000, height: 800 });
  await page.screenshot({ path: join(shots, `${name}-wide.png`), fullPage: true });
  await ctx.close();
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
