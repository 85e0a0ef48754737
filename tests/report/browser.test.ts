/**
 * The HTML report in a real headless Chromium (Debian's, through playwright-core): `concur
 * verify --sweep --report` on a small real Python program, then the page opened from its file.
 * The charts must exist as Chart.js instances with the expected datasets and have drawn their
 * data in the data's colours, no request may leave the page, the console must stay clean, and a
 * full-page screenshot is saved. Escaped hostile text must stay text; without JavaScript the
 * tables must still be there.
 *
 * Chromium is found at CONCUR_CHROMIUM or /usr/bin/chromium (scripts/setup.sh installs it).
 * Without it this test fails, unless CONCUR_SKIP_BROWSER=1 says to skip it. The screenshot goes
 * to a temporary directory; CONCUR_REPORT_SCREENSHOT=FILE keeps a copy to look at.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project, py, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { checkReportData } from '../../src/report/gather.js';
import { renderHtml } from '../../src/report/html.js';
import { CONTEXT, HOSTILE, hostileReport } from './fixtures.js';

const CHROMIUM = process.env.CONCUR_CHROMIUM ?? '/usr/bin/chromium';
const SKIP = process.env.CONCUR_SKIP_BROWSER === '1';
/** Headless, and quiet: the machine may have no network, and Chromium's own connections fail noisily. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** 12 items of 30 ms: rewritten to threads (WORK_WORKERS), a sweep worth drawing, in a second or two. */
const PROGRAM = py(
  'import time',
  '',
  '',
  'def work(item):',
  '    time.sleep(0.03)',
  '    return item * item',
  '',
  '',
  'def main():',
  '    total = 0',
  '    for item in range(12):',
  '        value = work(item)',
  '        total += value',
  '        print(item, value)',
  '    print("total", total)',
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
);

interface Watched {
  page: Page;
  /** Every request the page made. */
  requests: string[];
  /** Requests to anything but file: and data: URLs (aborted). */
  leaving: string[];
  /** console.error messages and uncaught exceptions. */
  errors: string[];
}

afterAll(removeTemporaryDirectories);

describe.skipIf(SKIP)('the HTML report in headless Chromium', () => {
  let browser: Browser;
  /** The report of a real `concur verify --sweep`, made once for the tests that open it. */
  let report: string;
  let out: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the HTML report's browser test needs it. Run scripts/setup.sh (it installs Debian's chromium), ` +
          'or set CONCUR_CHROMIUM to a Chromium binary; set CONCUR_SKIP_BROWSER=1 to skip this test explicitly.',
      );
    }
    // Chromium starts while verify runs.
    const launching = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      out = temporaryDirectory('concur-report-');
      report = path.join(out, 'verify.html');
      const root = project({ 'main.py': PROGRAM });
      const verify = await runConcur(
        ['verify', '--runs', '2', '--warmup', '0', '--sweep-workers', '1,2,4', '--sweep-runs', '1', '--report', report, 'main.py', '--', PYTHON, 'main.py'],
        { cwd: root, env: { TMPDIR: temporaryDirectory('concur-verify-tmp-') } },
      );
      expect(verify.stderr).toContain(`concur verify: report written to ${report}`);
      expect(verify.status).toBe(0);
    } finally {
      browser = await launching;
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A page that records every request (letting only file: and data: through) and every error. */
  async function watchedPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Watched> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: 'light', ...options });
    const page = await context.newPage();
    const watched: Watched = { page, requests: [], leaving: [], errors: [] };
    page.on('request', (request) => watched.requests.push(request.url()));
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (/^(?:file|data):/.test(url)) await route.continue();
      else {
        watched.leaving.push(url);
        await route.abort();
      }
    });
    page.on('console', (message) => {
      if (message.type() === 'error') watched.errors.push(message.text());
    });
    page.on('pageerror', (error) => watched.errors.push(error.message));
    return watched;
  }

  it('draws every chart of a real verify report, fetches nothing, logs no error; screenshot', async () => {
    const { page, requests, leaving, errors } = await watchedPage();
    await page.goto(pathToFileURL(report).href);
    await page.waitForFunction(() => document.documentElement.getAttribute('data-charts') !== null, null, { timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-charts'))).toBe('4');

    // Each canvas holds a Chart.js chart with the datasets the report means it to have, and has
    // drawn them: pixels in each dataset's own colour (not only axes and text).
    const charts = await page.evaluate(() => {
      const near = (data: Uint8ClampedArray, i: number, [r, g, b]: number[]) => data[i + 3]! > 60 && Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 60;
      const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const Chart = (window as unknown as { Chart: { getChart(canvas: HTMLCanvasElement): any } }).Chart;
      return [...document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')].map((canvas) => {
        const chart = Chart.getChart(canvas);
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
        const datasets = (chart?.data.datasets ?? []).map((dataset: { label: string; borderColor: string | string[]; data: unknown[] }) => {
          const colour = rgb(Array.isArray(dataset.borderColor) ? dataset.borderColor[0]! : dataset.borderColor);
          let pixels = 0;
          for (let i = 0; i < data.length; i += 4) if (near(data, i, colour)) pixels++;
          return { label: dataset.label, points: dataset.data.length, pixels };
        });
        return { id: canvas.dataset.chart, type: chart?.config.type, width: canvas.width, height: canvas.height, painted, datasets };
      });
    });
    expect(charts.map((c) => [c.id, c.type])).toEqual([['time', 'bar'], ['cpu', 'bar'], ['memory', 'bar'], ['scaling', 'scatter']]);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(byId.time!.datasets.map((d) => [d.label, d.points])).toEqual([['each timed run', 4], ['median', 2]]);
    expect(byId.cpu!.datasets.map((d) => d.label)).toEqual(['busy cores (user + system CPU time / wall time)', expect.stringMatching(/^CPUs available \(\d+\)$/)]);
    expect(byId.memory!.datasets.map((d) => [d.label, d.points])).toEqual([['peak RSS (MB)', 5]]);
    expect(byId.scaling!.datasets.map((d) => d.label)).toEqual(['measured speedup', 'ideal (speedup = workers)', expect.stringMatching(/^Amdahl fit \(serial fraction \d\.\d{3}\)$/)]);
    expect(byId.scaling!.datasets[0]!.points).toBe(3);
    for (const chart of charts) {
      expect({ id: chart.id, drawn: chart.painted / (chart.width * chart.height) > 0.02 }).toEqual({ id: chart.id, drawn: true });
      for (const dataset of chart.datasets) expect({ chart: chart.id, dataset: dataset.label, drawn: dataset.pixels > 40 }).toEqual({ chart: chart.id, dataset: dataset.label, drawn: true });
    }

    // The page's own content is there too: the diff, coloured.
    expect(await page.locator('#changes .diff .added').count()).toBeGreaterThan(3);
    expect(await page.locator('#changes .diff .removed').count()).toBeGreaterThan(0);

    // A full-page screenshot, with the charts redrawn at the final size first.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1200, height });
    await page.waitForFunction(() => {
      const Chart = (window as unknown as { Chart: { getChart(canvas: HTMLCanvasElement): { width: number } } }).Chart;
      return [...document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')].every((c) => Chart.getChart(c).width === c.parentElement!.clientWidth);
    });
    const screenshot = path.join(out, 'verify-report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = readFileSync(screenshot);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500); // IHDR height: the whole page
    expect(png.length).toBeGreaterThan(100_000);
    if (process.env.CONCUR_REPORT_SCREENSHOT) writeFileSync(process.env.CONCUR_REPORT_SCREENSHOT, png);

    expect(leaving).toEqual([]);
    expect(requests.filter((url) => !/^(?:file|data):/.test(url))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the guards above can fail: a fetch and a console error in a tampered copy are caught', async () => {
    const root = temporaryDirectory('concur-report-');
    const html = renderHtml(checkReportData(hostileReport(), CONTEXT));
    // Without the page's Content-Security-Policy, an image from the network and an inline script.
    const tampered = html
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
      .replace('</main>', '<img src="http://concur.invalid/x.png" alt=""><script>console.error("tampered")</script></main>');
    writeFileSync(path.join(root, 'tampered.html'), tampered);
    const open = await watchedPage();
    await open.page.goto(pathToFileURL(path.join(root, 'tampered.html')).href);
    await open.page.waitForLoadState('load');
    expect(open.leaving).toEqual(['http://concur.invalid/x.png']);
    expect(open.errors).toContain('tampered');

    // With the policy in place, the same image is refused before any request is made.
    const guarded = html.replace('</main>', '<img src="http://concur.invalid/y.png" alt=""></main>');
    writeFileSync(path.join(root, 'guarded.html'), guarded);
    const refused = await watchedPage();
    await refused.page.goto(pathToFileURL(path.join(root, 'guarded.html')).href);
    await refused.page.waitForLoadState('load');
    expect(refused.leaving).toEqual([]);
    expect(refused.errors.join('\n')).toMatch(/image 'http:\/\/concur\.invalid\/y\.png'.*Content Security Policy/);
  });

  it('shows hostile file names and messages as text: no element or script of theirs exists', async () => {
    const root = temporaryDirectory('concur-report-');
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'hostile.html'), renderHtml(checkReportData(hostileReport(), CONTEXT)));
    const { page, errors, leaving } = await watchedPage();
    await page.goto(pathToFileURL(path.join(root, 'hostile.html')).href);
    const found = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      foreign: document.querySelectorAll('img, svg, b, main script').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      text: document.body.innerText,
    }));
    expect(found).toMatchObject({ scripts: 0, foreign: 0, pwned: null });
    expect(found.text).toContain(HOSTILE.path);
    expect(found.text).toContain(HOSTILE.snippet);
    expect(found.text).toContain('then </script><script>window.__pwned = 2</script> & <b>bold</b>');
    expect(errors).toEqual([]);
    expect(leaving).toEqual([]);
  });

  it('reads without JavaScript: the tables are there, the charts say they need it', async () => {
    const { page, errors } = await watchedPage({ javaScriptEnabled: false });
    await page.goto(pathToFileURL(report).href);
    await expect(page.locator('#timing table').innerText()).resolves.toMatch(/wall time, median\s+\d+\.\d{3} s\s+\d+\.\d{3} s/);
    await expect(page.locator('#scaling table').innerText()).resolves.toMatch(/^workers\s+median s\s+speedup/);
    const note = page.locator('noscript p').first();
    expect(await note.isVisible()).toBe(true);
    expect(await note.innerText()).toBe('The charts need JavaScript; the tables hold the same figures.');
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-charts'))).toBeNull();
    expect(errors).toEqual([]);
  });
});
