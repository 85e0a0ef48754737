/**
 * The report page's stylesheet: system fonts only (nothing to fetch), light and dark from
 * `prefers-color-scheme`, and a print layout (black on white, no navigation, no page breaks
 * inside a figure, a finding or a table row).
 */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --grid: #d1d9e0; --panel: #f6f8fa; --border: #d1d9e0;
  --accent: #0969da; --good: #1a7f37; --bad: #cf222e; --warn: #9a6700;
  --add-bg: #dafbe1; --add-fg: #116329; --del-bg: #ffebe9; --del-fg: #82071e; --hunk: #8250df;
  --mark: #fff8c5;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  font-size: 15px; line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --grid: #30363d; --panel: #151b23; --border: #3d444d;
    --accent: #4493f8; --good: #3fb950; --bad: #f85149; --warn: #d29922;
    --add-bg: #12261e; --add-fg: #7ee787; --del-bg: #25171c; --del-fg: #ffa198; --hunk: #bc8cff;
    --mark: #3a3116;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h1 .headline { display: block; font-size: 1.1rem; font-weight: 500; color: var(--muted); }
h2 { font-size: 1.3rem; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.05rem; margin: 20px 0 8px; }
a { color: var(--accent); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.88em; }
code { background: var(--panel); padding: 0.1em 0.3em; border-radius: 4px; }
pre { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px; overflow-x: auto; line-height: 1.4; margin: 8px 0; }
pre code { background: none; padding: 0; }
.meta { color: var(--muted); margin: 4px 0; }
.meta code { word-break: break-all; }
nav ul { list-style: none; padding: 0; margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--border); border-radius: 8px; padding: 10px 14px; min-width: 150px; background: var(--panel); }
.card .value { font-size: 1.35rem; font-weight: 600; display: block; }
.card .label { color: var(--muted); font-size: 0.85rem; }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.badge { display: inline-block; border: 1px solid currentColor; border-radius: 999px; padding: 0 8px; font-size: 0.8rem; font-weight: 600; white-space: nowrap; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid var(--border); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.wide { width: 100%; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; margin: 12px 0; }
figure.chart { margin: 0; border: 1px solid var(--border); border-radius: 8px; padding: 10px; }
.chart-box { position: relative; height: 300px; }
.charts.single { max-width: 820px; }
.charts.single .chart-box { height: 380px; }
figure.chart figcaption { color: var(--muted); font-size: 0.85rem; margin-top: 6px; }
.chart-error { color: var(--bad); }
.finding, .plan { border: 1px solid var(--border); border-radius: 8px; padding: 10px 14px; margin: 12px 0; }
.finding h3, .plan h3 { margin: 0 0 6px; font-size: 1rem; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; }
.finding p, .plan p { margin: 6px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
ul.related { margin: 6px 0; padding-left: 20px; }
.frame .line-number { color: var(--muted); user-select: none; }
.frame .flagged { background: var(--mark); display: inline-block; min-width: 100%; }
.diff span { display: block; white-space: pre; min-width: max-content; }
.diff .added { background: var(--add-bg); color: var(--add-fg); }
.diff .removed { background: var(--del-bg); color: var(--del-fg); }
.diff .hunk { color: var(--hunk); }
.diff .header { font-weight: 600; }
details > summary { cursor: pointer; margin: 6px 0; }
.count-added { color: var(--good); } .count-removed { color: var(--bad); }
footer { color: var(--muted); font-size: 0.85rem; padding-top: 24px; padding-bottom: 32px; }
@media print {
  :root {
    --bg: #fff; --fg: #000; --muted: #444; --grid: #ccc; --panel: #f6f6f6; --border: #bbb; --accent: #000;
    --add-bg: #e6ffec; --add-fg: #116329; --del-bg: #ffebe9; --del-fg: #82071e; --mark: #fff8c5;
    font-size: 11pt;
  }
  nav, .noprint { display: none; }
  header, main, footer { max-width: none; padding: 0; }
  .charts { grid-template-columns: 1fr 1fr; }
  .chart-box { height: 240px; }
  figure.chart, .finding, .plan, tr, pre.frame { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  pre { white-space: pre-wrap; overflow: visible; }
  .diff span { white-space: pre-wrap; min-width: 0; }
  a { color: inherit; text-decoration: none; }
}
`;
