/* global uPlot, document, window */
// Line charts of a series answer ({bucket, from, to, buckets: [{start, ...}]}) drawn with uPlot, in
// UTC, their counts starting at zero so a line's height reads as its size.

const zeroBased = (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1];
const utcDate = (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

/** Tick labels in UTC: `14:05`, or `09-18 14:00` when the ticks span a day or more. */
function timeLabels(_u, splits) {
  const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
  return splits.map((seconds) => {
    const iso = new Date(seconds * 1000).toISOString();
    return span >= 86_400 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
  });
}

const legendTime = (_u, seconds) =>
  seconds === null || seconds === undefined
    ? '–'
    : new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');

function widthOf(el) {
  return Math.max(280, el.clientWidth || document.body.clientWidth - 32);
}

/**
 * A chart in `el` whose lines are `lines` ({label, field, stroke, scale}); `update(answer)` draws an
 * answer, rebuilding the chart when the bucket size changes (its axis and legend name the bucket).
 */
export function seriesChart(el, lines, height = 280) {
  let chart = null;
  let bucket = null;
  window.addEventListener('resize', () => chart?.setSize({ width: widthOf(el), height }));

  function build(size) {
    chart?.destroy();
    const scales = { x: { time: true } };
    for (const line of lines) scales[line.scale] = { range: zeroBased };
    const axes = [{ label: `${size} (UTC)`, values: timeLabels }];
    lines.forEach((line, i) => {
      if (axes.some((a) => a.scale === line.scale)) return;
      axes.push({
        scale: line.scale,
        label: `${line.axis} per ${size}`,
        size: 70,
        ...(i > 0 ? { side: 1, grid: { show: false } } : {}),
      });
    });
    chart = new uPlot(
      {
        width: widthOf(el),
        height,
        tzDate: utcDate,
        scales,
        series: [
          { label: `${size} (UTC)`, value: legendTime },
          ...lines.map((line) => ({
            label: `${line.label} / ${size}`,
            scale: line.scale,
            stroke: line.stroke,
            width: 2,
            ...(line.fill ? { fill: line.fill } : {}),
          })),
        ],
        axes,
      },
      [[], ...lines.map(() => [])],
      el,
    );
    bucket = size;
  }

  return {
    update(answer) {
      if (bucket !== answer.bucket) build(answer.bucket);
      const xs = answer.buckets.map((b) => Date.parse(b.start) / 1000);
      chart.setData([xs, ...lines.map((line) => answer.buckets.map((b) => b[line.field]))]);
      el.dataset.buckets = String(answer.buckets.length);
      el.dataset.events = String(answer.buckets.reduce((n, b) => n + b.events, 0));
    },
    clear() {
      chart?.destroy();
      chart = null;
      bucket = null;
      el.dataset.buckets = '';
      el.dataset.events = '';
    },
  };
}
