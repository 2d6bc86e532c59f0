// Latency histograms in microseconds (HdrHistogram), summarised in milliseconds.
import hdr from 'hdr-histogram-js';

/** Up to a minute at three significant digits: 1 µs resolution below 1 ms, 1 ms near 1 s. */
export function latencyHistogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

/** Records a duration given in milliseconds (fractions kept) as whole microseconds. */
export function recordMs(histogram, durationMs) {
  histogram.recordValue(Math.max(1, Math.round(durationMs * 1000)));
}

const toMs = (us) => Math.round(us) / 1000;

/** The percentiles the report shows, in milliseconds; undefined when nothing was recorded. */
export function percentilesMs(histogram) {
  if (histogram.totalCount === 0) return { count: 0 };
  return {
    count: histogram.totalCount,
    mean: toMs(histogram.mean),
    p50: toMs(histogram.getValueAtPercentile(50)),
    p90: toMs(histogram.getValueAtPercentile(90)),
    p99: toMs(histogram.getValueAtPercentile(99)),
    p999: toMs(histogram.getValueAtPercentile(99.9)),
    max: toMs(histogram.maxValue),
  };
}
