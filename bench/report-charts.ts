/**
 * SVG charts for bench:report, drawn by Apache ECharts' server-side renderer: it writes an SVG string
 * in plain Node (no DOM, no canvas, no native module), so the report needs no browser. Two shapes cover
 * the report: bars (grouped or stacked, with an optional limit line) and lines over numeric axes
 * (optionally logarithmic, a series optionally dashed for figures that were extrapolated, not measured).
 */
import * as echarts from 'echarts';

const WIDTH = 760;
const HEIGHT = 400;

/** A missing figure (NaN) is left out of the chart rather than drawn as zero. */
const orGap = (value: number): number | null => (Number.isFinite(value) ? value : null);

function render(option: echarts.EChartsOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** A horizontal line across the plot, e.g. a configured rate limit. */
export interface LimitLine {
  value: number;
  label: string;
}

function limitLine(limit: LimitLine | undefined) {
  return limit
    ? {
        silent: true,
        symbol: 'none',
        lineStyle: { color: '#c0392b', type: 'dashed' as const, width: 2 },
        label: { formatter: limit.label, position: 'insideEndTop' as const, color: '#c0392b' },
        data: [{ yAxis: limit.value }],
      }
    : undefined;
}

/** A round number at or above `value` (a power of ten on a logarithmic axis): an axis end with round ticks. */
function roundUp(value: number, logarithmic: boolean): number {
  const power = 10 ** Math.floor(Math.log10(value));
  if (logarithmic) return power === value ? power : 10 * power;
  return [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((step) => step * power).find((end) => end >= value)!;
}

/**
 * The value axis's end when the limit lies above every figure (ECharts sizes the axis to the data
 * only, and would leave the limit line off the chart); unset otherwise, for ECharts' own choice.
 */
function axisMaxFor(
  limit: LimitLine | undefined,
  largestFigure: number,
  logarithmic = false,
): number | undefined {
  return limit && limit.value * 1.1 > largestFigure ? roundUp(limit.value * 1.15, logarithmic) : undefined;
}

function titleAndLegend(title: string, subtitle: string | undefined) {
  return {
    title: { text: title, subtext: subtitle, left: 'center', textStyle: { fontSize: 15 } },
    legend: { bottom: 0, itemGap: 24 },
    grid: { left: 70, right: 30, top: subtitle ? 75 : 55, bottom: 70, containLabel: true },
  };
}

export interface BarSeries {
  name: string;
  values: number[];
  /** Series with the same stack name are stacked; others stand side by side. */
  stack?: string;
}

export interface BarChart {
  title: string;
  subtitle?: string;
  categories: string[];
  series: BarSeries[];
  yName: string;
  limit?: LimitLine;
  /** How a bar's value is written on it; unset: no labels. */
  valueLabel?: (value: number) => string;
}

export function barChart(spec: BarChart): string {
  // A stacked segment too thin for its label is left unlabelled rather than overprinted.
  const stackTotals = spec.categories.map((_, index) =>
    spec.series.reduce((sum, series) => sum + (series.stack ? Math.max(0, series.values[index] ?? 0) : 0), 0),
  );
  const smallest = 0.06 * Math.max(0, ...stackTotals);
  const largest = Math.max(
    0,
    ...stackTotals,
    ...spec.series.flatMap((series) => series.values.filter(Number.isFinite)),
  );
  return render({
    ...titleAndLegend(spec.title, spec.subtitle),
    xAxis: { type: 'category', data: spec.categories, axisLabel: { interval: 0 } },
    yAxis: {
      type: 'value',
      name: spec.yName,
      nameLocation: 'middle',
      nameGap: 55,
      max: axisMaxFor(spec.limit, largest),
    },
    series: spec.series.map((series, index) => ({
      type: 'bar' as const,
      name: series.name,
      stack: series.stack,
      data: series.values.map(orGap),
      label: spec.valueLabel
        ? {
            show: true,
            position: series.stack ? ('inside' as const) : ('top' as const),
            formatter: ({ value }: { value: unknown }) =>
              series.stack && Number(value) < smallest ? '' : spec.valueLabel!(Number(value)),
          }
        : undefined,
      // One limit line is enough: it belongs to the chart, not to a series.
      markLine: index === 0 ? limitLine(spec.limit) : undefined,
    })),
  });
}

export interface LineSeries {
  name: string;
  points: [x: number, y: number][];
  /** Drawn dashed: figures derived rather than measured. */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  subtitle?: string;
  xName: string;
  yName: string;
  series: LineSeries[];
  /** Logarithmic axes, for figures spanning several orders of magnitude. */
  logarithmic?: boolean;
  limit?: LimitLine;
}

export function lineChart(spec: LineChart): string {
  const axis = (name: string) => ({
    type: spec.logarithmic ? ('log' as const) : ('value' as const),
    name,
    nameLocation: 'middle' as const,
    nameGap: 35,
  });
  const largest = Math.max(
    0,
    ...spec.series.flatMap((series) => series.points.map(([, y]) => y).filter(Number.isFinite)),
  );
  return render({
    ...titleAndLegend(spec.title, spec.subtitle),
    xAxis: axis(spec.xName),
    yAxis: { ...axis(spec.yName), nameGap: 55, max: axisMaxFor(spec.limit, largest, spec.logarithmic) },
    series: spec.series.map((series, index) => ({
      type: 'line' as const,
      name: series.name,
      data: series.points.map(([x, y]) => [x, orGap(y)]),
      symbolSize: 8,
      lineStyle: { type: series.dashed ? ('dashed' as const) : ('solid' as const), width: 2 },
      label: {
        show: true,
        position: 'top' as const,
        formatter: ({ value }: { value: unknown }) => label(value),
      },
      markLine: index === 0 ? limitLine(spec.limit) : undefined,
    })),
  });
}

/** A point's y value, short: 1,234 or 1.23. */
function label(value: unknown): string {
  const y = Array.isArray(value) ? Number(value[1]) : Number(value);
  if (!Number.isFinite(y)) return '';
  return y >= 100 ? Math.round(y).toLocaleString('en-US') : y.toFixed(y >= 10 ? 1 : 2);
}
