//! Latency histograms in the Prometheus text format (cumulative buckets, `_sum`, `_count`).

use std::fmt::Write;
use std::sync::Mutex;

/// Bucket bounds in seconds: from a fast first sentence (10 ms) to a long streamed article.
pub(super) const BUCKETS: [f64; 12] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

#[derive(Default)]
struct Counts {
    /// Observations at or below each bound (cumulative, as Prometheus wants them).
    le: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// One histogram of durations.
#[derive(Default)]
pub(super) struct Histogram(Mutex<Counts>);

impl Histogram {
    /// Records one duration in seconds.
    pub(super) fn observe(&self, secs: f64) {
        let mut c = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for (n, b) in c.le.iter_mut().zip(BUCKETS) {
            if secs <= b {
                *n += 1;
            }
        }
        c.count += 1;
        c.sum += secs;
    }

    /// Appends the series of `name` with extra `labels` (e.g. `route="/x"`, or empty) to `out`.
    pub(super) fn write(&self, out: &mut String, name: &str, labels: &str) {
        let c = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let sep = if labels.is_empty() { "" } else { "," };
        for (n, b) in c.le.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {n}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", c.count);
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", c.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", c.count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_labelled() {
        let h = Histogram::default();
        h.observe(0.02);
        h.observe(0.3);
        h.observe(100.0);
        let mut s = String::new();
        h.write(&mut s, "x_seconds", "route=\"/a\"");
        assert!(s.contains("x_seconds_bucket{route=\"/a\",le=\"0.01\"} 0\n"), "{s}");
        assert!(s.contains("x_seconds_bucket{route=\"/a\",le=\"0.025\"} 1\n"), "{s}");
        assert!(s.contains("x_seconds_bucket{route=\"/a\",le=\"0.5\"} 2\n"), "{s}");
        assert!(s.contains("x_seconds_bucket{route=\"/a\",le=\"60\"} 2\n"), "{s}");
        assert!(s.contains("x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"), "{s}");
        assert!(s.contains("x_seconds_count{route=\"/a\"} 3\n"), "{s}");
        let mut s = String::new();
        h.write(&mut s, "y", "");
        assert!(s.contains("y_bucket{le=\"+Inf\"} 3\n") && s.contains("y_sum 100.32"), "{s}");
    }
}
