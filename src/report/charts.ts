/**
 * Chart.js configurations for verify's figures: time per variant, the scaling curve against the
 * ideal line and the Amdahl fit, CPU utilisation and peak memory. Plain JSON (no functions), so
 * that they can be embedded in the page as data; html-script.ts adds what JSON cannot carry
 * (tick placement on the logarithmic axis, theme colours).
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { VerifySection } from './model.js';

export interface ChartSpec {
  /** The canvas's `data-chart` key. */
  id: string;
  title: string;
  /** What the chart shows, in words: the figure's caption and the canvas's accessible name. */
  description: string;
  config: ChartConfiguration;
  /** Where the ticks of logarithmic axes go (the page's script places them: JSON has no callbacks). */
  ticksAt?: { x?: number[]; y?: number[] };
}

/** Colours readable on light and dark backgrounds alike. */
const COLORS = {
  original: '#8c959f',
  rewrite: '#2f81f7',
  sweep: '#79b8ff',
  runs: '#d2691e',
  ideal: '#8c959f',
  amdahl: '#d29922',
  cpus: '#cf222e',
};

const translucent = (hex: string) => `${hex}99`;

export function verifyCharts(verify: VerifySection): ChartSpec[] {
  return [timeChart(verify), scalingChart(verify), ...resourceCharts(verify)].filter((chart): chart is ChartSpec => chart !== undefined);
}

/** Median wall time per variant as bars, every timed run as a point over its bar: the spread. */
function timeChart(verify: VerifySection): ChartSpec | undefined {
  if (verify.variants.length === 0) return undefined;
  const labels = verify.variants.map((v) => v.name);
  // A line dataset without lines: points on the bars' category axis (a scatter dataset would
  // bring a linear x axis of its own).
  const runs: ChartDataset<'line'> = {
    type: 'line',
    label: 'each timed run',
    data: verify.variants.flatMap((v) => v.runs.map((y) => ({ x: v.name as unknown as number, y }))),
    showLine: false,
    backgroundColor: COLORS.runs,
    borderColor: COLORS.runs,
    pointRadius: 4,
    pointHoverRadius: 6,
  };
  const medians: ChartDataset<'bar'> = {
    type: 'bar',
    label: 'median',
    data: verify.variants.map((v) => v.seconds.median),
    backgroundColor: verify.variants.map((v) => translucent(COLORS[v.name])),
    borderColor: verify.variants.map((v) => COLORS[v.name]),
    borderWidth: 1,
  };
  const counts = verify.variants.map((v) => `${v.runs.length} ${v.name}`).join(', ');
  return {
    id: 'time',
    title: 'Wall time per variant',
    description: `Median wall time of the original and the rewrite (bars) and each timed run (points): ${counts} run${verify.variants.every((v) => v.runs.length === 1) ? '' : 's'}.`,
    config: {
      type: 'bar',
      data: { labels, datasets: [runs as unknown as ChartDataset<'bar'>, medians] },
      options: {
        animation: false,
        plugins: { title: { display: true, text: 'Wall time per variant' }, legend: { position: 'bottom' } },
        scales: { y: { beginAtZero: true, grace: '5%', title: { display: true, text: 'seconds' } } },
      },
    },
  };
}

/**
 * Speedup against workers on logarithmic axes (base 2 ticks), where the ideal, speedup =
 * workers, is a straight line; the Amdahl fit is a curve that bends away from it.
 */
function scalingChart(verify: VerifySection): ChartSpec | undefined {
  const sweep = verify.sweep;
  const baseline = verify.variants.find((v) => v.name === 'original')?.seconds.median;
  if (!sweep || sweep.skipped || baseline === undefined) return undefined;
  const measured = sweep.points.filter((p) => p.speedup !== null && p.speedup > 0).map((p) => ({ x: p.workers, y: p.speedup! }));
  if (measured.length === 0) return undefined;
  const fewest = Math.min(...measured.map((p) => p.x));
  const most = Math.max(...measured.map((p) => p.x));
  const datasets: Array<ChartDataset<'scatter'>> = [
    {
      label: 'measured speedup',
      data: measured,
      showLine: true,
      borderColor: COLORS.rewrite,
      backgroundColor: COLORS.rewrite,
      pointRadius: 4,
      borderWidth: 2,
    },
    {
      label: 'ideal (speedup = workers)',
      data: [{ x: fewest, y: fewest }, { x: most, y: most }],
      showLine: true,
      borderColor: COLORS.ideal,
      backgroundColor: COLORS.ideal,
      borderDash: [6, 4],
      pointRadius: 0,
      pointStyle: 'line',
      borderWidth: 1.5,
    },
  ];
  const fit = sweep.amdahl;
  if (fit) {
    const s = fit.serialFraction;
    datasets.push({
      label: `Amdahl fit (serial fraction ${s.toFixed(3)})`,
      data: curveSamples(fewest, Math.max(most, fewest * 2)).map((n) => ({ x: n, y: baseline / (fit.t1Seconds * (s + (1 - s) / n)) })),
      showLine: true,
      borderColor: COLORS.amdahl,
      backgroundColor: COLORS.amdahl,
      borderDash: [2, 3],
      pointRadius: 0,
      pointStyle: 'line',
      borderWidth: 2,
    });
  }
  const ys = datasets.flatMap((d) => (d.data as Array<{ y: number }>).map((p) => p.y));
  const low = Math.min(...ys);
  const high = Math.max(...ys);
  // A little room around the points, so that none sits half outside the plot.
  const margin = 1.15;
  return {
    id: 'scaling',
    title: 'Scaling',
    description:
      `Speedup of the rewrite over the original's median at ${sweep.points.map((p) => p.workers).join(', ')} workers, ` +
      `against the ideal line${fit ? ' and the Amdahl fit' : ''} (both axes logarithmic).`,
    config: {
      type: 'scatter',
      data: { datasets },
      options: {
        animation: false,
        plugins: { title: { display: true, text: 'Speedup against workers' }, legend: { position: 'bottom', labels: { usePointStyle: true } } },
        scales: {
          x: { type: 'logarithmic', min: fewest / margin, max: most * margin, title: { display: true, text: 'workers' } },
          y: { type: 'logarithmic', min: low / margin, max: high * margin, title: { display: true, text: 'speedup over the original (x)' } },
        },
      },
    },
    ticksAt: { x: measured.map((p) => p.x), y: powersOfTwo(low / margin, high * margin) },
  };
}

/** 2^k within [low, high]: 0.5, 1, 2, 4, ... */
function powersOfTwo(low: number, high: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(Math.log2(low)); 2 ** k <= high; k++) out.push(2 ** k);
  return out;
}

/** CPU utilisation and peak memory of the original, the rewrite, and the rewrite at each sweep point. */
function resourceCharts(verify: VerifySection): ChartSpec[] {
  const bars = [
    ...verify.variants.map((v) => ({ label: v.name, color: COLORS[v.name], cpu: v.cpuUtilization, rss: v.peakRssBytes })),
    ...(verify.sweep && !verify.sweep.skipped
      ? verify.sweep.points.map((p) => ({ label: `${p.workers} worker${p.workers === 1 ? '' : 's'}`, color: COLORS.sweep, cpu: p.cpuUtilization, rss: p.peakRssBytes }))
      : []),
  ];
  if (bars.length === 0) return [];
  const labels = bars.map((b) => b.label);
  const barDataset = (label: string, data: Array<number | null>): ChartDataset<'bar'> => ({
    type: 'bar',
    label,
    data,
    backgroundColor: bars.map((b) => translucent(b.color)),
    borderColor: bars.map((b) => b.color),
    borderWidth: 1,
  });
  const cpuDatasets: Array<ChartDataset<'bar'>> = [barDataset('busy cores (user + system CPU time / wall time)', bars.map((b) => b.cpu))];
  if (verify.sweep) {
    const cpus: ChartDataset<'line'> = {
      type: 'line',
      label: `CPUs available (${verify.sweep.cpus})`,
      data: bars.map(() => verify.sweep!.cpus),
      borderColor: COLORS.cpus,
      backgroundColor: COLORS.cpus,
      borderDash: [6, 4],
      pointRadius: 0,
      borderWidth: 1.5,
    };
    cpuDatasets.push(cpus as unknown as ChartDataset<'bar'>);
  }
  const sweepNote = verify.sweep && !verify.sweep.skipped ? ', and of the rewrite at each worker count of the sweep' : '';
  return [
    {
      id: 'cpu',
      title: 'CPU utilisation',
      description: `Average busy cores (user + system CPU time over wall time) of the original and the rewrite${sweepNote}.`,
      config: {
        type: 'bar',
        data: { labels, datasets: cpuDatasets },
        options: {
          animation: false,
          plugins: { title: { display: true, text: 'CPU utilisation' }, legend: { position: 'bottom' } },
          scales: { y: { beginAtZero: true, title: { display: true, text: 'cores' } } },
        },
      },
    },
    {
      id: 'memory',
      title: 'Peak memory',
      description: `Peak resident set of the process tree (MB) of the original and the rewrite${sweepNote}.`,
      config: {
        type: 'bar',
        data: { labels, datasets: [barDataset('peak RSS (MB)', bars.map((b) => (b.rss > 0 ? Number((b.rss / 1e6).toFixed(2)) : null)))] },
        options: {
          animation: false,
          plugins: { title: { display: true, text: 'Peak memory' }, legend: { position: 'bottom' } },
          scales: { y: { beginAtZero: true, title: { display: true, text: 'MB' } } },
        },
      },
    },
  ];
}

/** Worker counts from `low` to `high`, evenly spaced on a logarithmic axis (both ends included). */
function curveSamples(low: number, high: number, count = 48): number[] {
  const step = Math.log(high / low) / (count - 1);
  return Array.from({ length: count }, (_, i) => Number((low * Math.exp(step * i)).toFixed(4)));
}
