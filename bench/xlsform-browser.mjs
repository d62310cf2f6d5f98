// Times the app's XLSForm importer part in headless Chromium on a workbook
// (bench/xlsform.sh passes the 500-question one): loading and compiling the
// part once, then converting, 10 times. Serves dist/ as the app is served.
import { readFileSync } from 'node:fs';
import { assertReleaseBuild, launch, serve } from '../tests/e2e/harness.mjs';

assertReleaseBuild();
const bytes = readFileSync(process.argv[2]);
const server = await serve();
const browser = await launch();
try {
  const page = browser.page;
  await page.goto(server.url + '/');
  const result = await page.evaluate(async (data) => {
    const path = document.querySelector('meta[name="jangkau-xlsform"]').content;
    let t = performance.now();
    const part = await import(new URL(path, document.baseURI).href);
    await part.default();
    const load = performance.now() - t;
    const runs = [];
    let size = 0;
    for (let i = 0; i < 10; i++) {
      t = performance.now();
      const report = JSON.parse(part.convert(new Uint8Array(data)));
      runs.push(performance.now() - t);
      if (!report.form) throw new Error(JSON.stringify(report.problems));
      size = report.form.length;
    }
    return { load, runs: runs.sort((a, b) => a - b), size };
  }, [...bytes]);
  console.log(`browser: load + compile the importer part: ${result.load.toFixed(0)} ms`);
  const { runs } = result;
  console.log(`browser convert, 500 questions: p50 ${runs[5].toFixed(1)} ms, max ${runs[9].toFixed(1)} ms (10 runs; form file ${result.size} bytes)`);
} finally {
  await browser.close();
  await server.close();
}
