//! Band-limited resampling of Kokoro's audio, for `--sample-rate` and `--pitch`.
//!
//! Kokoro renders at 24 kHz. Each piece of speech is resampled on its own (within the
//! sentence's rendering task, so sentences stay independent and the result cannot depend on
//! the thread count) with rubato's synchronous FFT resampler: a windowed-sinc anti-aliasing
//! filter at the lower rate's band edge, exact for a fixed rational ratio, and no state
//! carried from one call to the next. The output has exactly [`resampled_len`] samples,
//! aligned with the input (the resampler's delay is removed), so sample counts, and the
//! caption and chapter times computed from them, follow from the input length alone.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Frames per FFT call (the fixed input side). A sentence piece is a few seconds; 1024 keeps
/// the FFTs small and the delay short.
const CHUNK: usize = 1024;

/// Returns the length of `n` samples at `from` Hz resampled to `to` Hz: `n·to/from`,
/// rounded to the nearest sample (integer arithmetic, so it never depends on rounding of
/// floats).
pub fn resampled_len(n: usize, from: u32, to: u32) -> usize {
    let (from, to) = (from.max(1) as u128, to as u128);
    ((n as u128 * to + from / 2) / from) as usize
}

/// Resamples mono `samples` taken at `from` Hz to `to` Hz; returns exactly
/// [`resampled_len`]`(samples.len(), from, to)` samples. Equal rates return a copy.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, String> {
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let want = resampled_len(samples.len(), from, to);
    let mut fft = Fft::<f32>::new(from as usize, to as usize, CHUNK, 1, FixedSync::Input)
        .map_err(|e| format!("resampler {from} Hz → {to} Hz: {e}"))?;
    let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| format!("resampler input: {e}"))?;
    let out =
        fft.process_all(&input, samples.len(), None).map_err(|e| format!("resampling {from} Hz → {to} Hz: {e}"))?;
    let mut v = out.take_data();
    // rubato rounds its length up with a float ratio; the length here is the exact one.
    v.resize(want, 0.0);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_exact_ratios_rounded() {
        assert_eq!(resampled_len(24_000, 24_000, 16_000), 16_000);
        assert_eq!(resampled_len(3, 24_000, 16_000), 2);
        assert_eq!(resampled_len(1000, 24_000, 44_100), 1838); // 1837.5 rounds up
        assert_eq!(resampled_len(7, 24_000, 22_050), 6); // 6.43
        for n in [1usize, 2, 17, 1023, 1024, 1025, 5000] {
            for to in [16_000u32, 22_050, 44_100, 48_000] {
                assert_eq!(resample(&vec![0.1; n], 24_000, to).unwrap().len(), resampled_len(n, 24_000, to));
            }
        }
    }
}
