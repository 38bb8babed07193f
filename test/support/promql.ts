/**
 * The metric names a PromQL expression reads, for checking that dashboards and alert rules name only
 * metrics a scrape serves. Not a parser: strings, label matchers, ranges and the label lists of
 * `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` are removed, and what identifiers remain
 * are metric names unless PromQL knows them as a function, an aggregation or a keyword.
 */
const PROMQL_WORDS = new Set(
  [
    // aggregations and keywords
    'sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio',
    'by without on ignoring group_left group_right and or unless offset bool atan2 inf nan',
    // functions
    'abs absent absent_over_time ceil changes clamp clamp_max clamp_min day_of_month day_of_week',
    'day_of_year days_in_month delta deriv exp floor histogram_count histogram_sum histogram_fraction',
    'histogram_quantile holt_winters hour idelta increase irate label_join label_replace ln log2 log10',
    'minute month predict_linear rate resets round scalar sgn sort sort_desc sqrt time timestamp',
    'vector year avg_over_time min_over_time max_over_time sum_over_time count_over_time',
    'quantile_over_time stddev_over_time stdvar_over_time last_over_time present_over_time',
  ]
    .join(' ')
    .split(' '),
);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*(?![\w.])/g)) {
    if (!PROMQL_WORDS.has(match[0].toLowerCase())) names.add(match[0]);
  }
  return [...names];
}

/**
 * Every name a Prometheus text scrape serves: its samples' and its declared families' (`# TYPE`),
 * so a labelled counter with no sample yet (no store error so far) still counts as served;
 * histograms serve `_bucket`, `_sum` and `_count`.
 */
export function servedNames(scrape: string): string[] {
  const names = new Set<string>();
  for (const line of scrape.split('\n')) {
    const family = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (family !== null) {
      const [, name, type] = family as unknown as [string, string, string];
      names.add(name);
      if (type === 'histogram' || type === 'summary') {
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      }
    } else if (line !== '' && !line.startsWith('#')) {
      names.add(/^[A-Za-z_:][\w:]*/.exec(line)?.[0] ?? '');
    }
  }
  return [...names];
}
