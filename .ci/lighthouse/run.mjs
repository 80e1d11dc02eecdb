// Lighthouse (pinned in package.json) on a list of pages of a running Herd, one headless
// Debian chromium for all of them, and the performance, accessibility and best-practices
// scores printed one line per page. Usage:
//   node .ci/lighthouse/run.mjs BASE COOKIE PATH... (COOKIE "" for none)
// Exits 1 only when a page cannot be audited; the scores are figures, not assertions
// (performance depends on the machine's load).
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [base, cookie, ...paths] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const names = ['performance', 'accessibility', 'best-practices'];
let failed = false;
try {
  for (const path of paths) {
    const started = Date.now();
    const result = await lighthouse(base + path, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: names,
      extraHeaders: cookie ? { Cookie: cookie } : undefined,
      disableFullPageScreenshot: true,
    });
    const lhr = result?.lhr;
    if (!lhr || lhr.runtimeError) {
      console.log(`lighthouse ${path}: FAILED ${lhr?.runtimeError?.message ?? 'no result'}`);
      failed = true;
      continue;
    }
    const scores = names.map((n) => `${n} ${Math.round((lhr.categories[n].score ?? 0) * 100)}`);
    // What costs points: every scored audit under 1, by the weight it carries.
    const below = [];
    for (const n of names) {
      for (const ref of lhr.categories[n].auditRefs) {
        const a = lhr.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1) {
          // The first item says what to fix (the console error, the failing element).
          const item = a.details?.items?.[0];
          const what = item ? ` ${item.description ?? item.node?.snippet ?? item.url ?? ''}`.slice(0, 120) : '';
          below.push(`${ref.id} (${n[0]}, ${a.score}${what})`);
        }
      }
    }
    console.log(`lighthouse ${path}: ${scores.join(', ')} [${((Date.now() - started) / 1000).toFixed(1)} s]`
      + (below.length ? `; short of 1: ${below.join(', ')}` : ''));
  }
} finally {
  await chrome.kill();
}
process.exit(failed ? 1 : 0);
