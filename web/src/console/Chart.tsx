// One chart for the consoles: ECharts (the charts Chinese banks' consoles commonly use), with
// only the line and bar charts and the canvas renderer bundled. The canvas is an image to
// assistive technology, so the same figures follow it as a table (also what tests read).
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { type ECharts, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'preact/hooks';

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface Series {
  name: string;
  values: number[];
  /** A rate in per cent, drawn as a line against its own 0–100 axis on the right. */
  percent?: boolean;
}

export interface ChartProps {
  /** Names the chart and its table; also the canvas's accessible name. */
  title: string;
  kind: 'line' | 'bar';
  /** One label for each value of every series (hours, days, steps). */
  labels: string[];
  series: Series[];
  /** The table's first column heading, e.g. the word for "hour". */
  labelHeading: string;
  /** A stable id prefix for the chart's elements, e.g. "pv-chart". */
  id: string;
}

export function Chart({ title, kind, labels, series, labelHeading, id }: ChartProps) {
  const canvas = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  useEffect(() => {
    if (canvas.current === null) return;
    chart.current = init(canvas.current, undefined, { renderer: 'canvas' });
    return () => chart.current?.dispose();
  }, []);
  useEffect(() => {
    chart.current?.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { data: series.map((one) => one.name), top: 0 },
      grid: { left: 48, right: 48, top: 40, bottom: 28 },
      xAxis: { type: 'category', data: labels },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', min: 0, max: 100, show: series.some((one) => one.percent) }],
      series: series.map((one) => ({
        name: one.name, type: one.percent ? 'line' : kind, data: one.values, yAxisIndex: one.percent ? 1 : 0,
      })),
    }, true);
  }, [kind, labels, series]);
  return (
    <figure class="chart" id={id}>
      <figcaption>{title}</figcaption>
      <div class="chart-canvas" ref={canvas} role="img" aria-label={title} />
      <table class="chart-data">
        <caption class="visually-hidden">{title}</caption>
        <thead>
          <tr><th scope="col">{labelHeading}</th>{series.map((one) => <th scope="col" key={one.name}>{one.name}</th>)}</tr>
        </thead>
        <tbody>
          {labels.map((label, row) => (
            <tr key={label}><th scope="row">{label}</th>{series.map((one) => <td key={one.name}>{one.values[row]}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
