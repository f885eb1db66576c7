//! A streaming rational resampler (windowed-sinc, polyphase) for codecs whose rates the
//! render does not have: the Opus encoder takes 8, 12, 16, 24 or 48 kHz, the formant voice
//! renders at 22.05 kHz (or 44.1 kHz).
//!
//! Output sample `n` is the band-limited interpolation of the input at the exact time
//! `n / out_rate`: each output is a sum over the input samples within [`ZERO_CROSSINGS`]
//! zero crossings of a sinc whose cutoff is [`CUTOFF`] of the lower rate's Nyquist
//! frequency, shaped by a Blackman window (stop band below −70 dB). The kernel is centred
//! on the output time, so the resampler adds no delay: sample `s` of the input and sample
//! `s · out / in` of the output are the same instant, and chapter times stay exact. The
//! input before the first sample and after the last is taken as silence. The phases are
//! computed once (`out / gcd` of them); memory is that table plus one kernel's width of
//! input, whatever the length of the audio. Same input, same output: no state depends on
//! how the input is cut into calls.

/// Zero crossings of the sinc on each side of the centre.
pub const ZERO_CROSSINGS: usize = 16;

/// Cutoff as a fraction of the lower rate's Nyquist frequency (the transition band is
/// above it: 22.05 kHz speech keeps everything up to 10.7 kHz).
pub const CUTOFF: f64 = 0.97;

/// Most phases (output rate / gcd) the table may have.
pub const MAX_PHASES: u64 = 4096;

/// Greatest common divisor.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Converts a stream of samples from one rate to another; see the module documentation.
#[derive(Debug, Clone)]
pub struct Resampler {
    /// Output step in input samples is `den / num`: `num` output samples per `den` input.
    num: u64,
    den: u64,
    /// Taps per phase.
    taps: usize,
    /// Taps of phase `j` (output at input position `k + j / num`) at `table[j * taps..]`:
    /// weights of input samples `k - half + 1 ..= k + half`.
    table: Vec<f32>,
    /// Input samples kept: `history[0]` is input sample `base`.
    history: Vec<f32>,
    base: i64,
    /// Input samples received.
    received: u64,
    /// Output samples produced.
    produced: u64,
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz, or an error text if the rates' ratio needs
    /// more than [`MAX_PHASES`] phases.
    pub fn new(from: u32, to: u32) -> Result<Resampler, String> {
        if from == 0 || to == 0 {
            return Err(format!("cannot resample {from} Hz to {to} Hz"));
        }
        let g = gcd(u64::from(from), u64::from(to));
        let (num, den) = (u64::from(to) / g, u64::from(from) / g);
        if num > MAX_PHASES {
            return Err(format!("cannot resample {from} Hz to {to} Hz (ratio {num}/{den} is too fine)"));
        }
        // Cutoff in cycles per input sample, and the half width in input samples that holds
        // ZERO_CROSSINGS zero crossings of that sinc.
        let fc = CUTOFF * 0.5 * (f64::from(to) / f64::from(from)).min(1.0);
        let half = (ZERO_CROSSINGS as f64 / (2.0 * fc)).ceil() as usize;
        let taps = 2 * half;
        let mut table = vec![0f32; num as usize * taps];
        for j in 0..num as usize {
            let frac = j as f64 / num as f64;
            let row = &mut table[j * taps..(j + 1) * taps];
            let mut sum = 0.0;
            let mut w = vec![0f64; taps];
            for (i, wi) in w.iter_mut().enumerate() {
                // Input sample k - half + 1 + i lies at distance t from the output time.
                let t = (i as f64 - half as f64 + 1.0) - frac;
                let x = 2.0 * fc * t;
                let sinc =
                    if x.abs() < 1e-12 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
                // Blackman window over [-half, half].
                let u = (t / half as f64 + 1.0) * 0.5;
                let win = if (0.0..=1.0).contains(&u) {
                    0.42 - 0.5 * (2.0 * std::f64::consts::PI * u).cos() + 0.08 * (4.0 * std::f64::consts::PI * u).cos()
                } else {
                    0.0
                };
                *wi = 2.0 * fc * sinc * win;
                sum += *wi;
            }
            // Unity gain at DC for every phase (no ripple at the phase rate).
            for (r, wi) in row.iter_mut().zip(&w) {
                *r = (wi / sum) as f32;
            }
        }
        Ok(Resampler {
            num,
            den,
            taps,
            table,
            history: vec![0.0; half - 1],
            base: -(half as i64 - 1),
            received: 0,
            produced: 0,
        })
    }

    /// Returns the number of output samples that `input` samples make (rounded to nearest):
    /// the length [`Resampler::finish`] brings the output to.
    pub fn output_len(&self, input: u64) -> u64 {
        let (num, den) = (u128::from(self.num), u128::from(self.den));
        ((u128::from(input) * num * 2 + den) / (2 * den)) as u64
    }

    /// The position of output sample `n` in input samples: integer part and phase.
    fn position(&self, n: u64) -> (i64, usize) {
        let p = u128::from(n) * u128::from(self.den);
        ((p / u128::from(self.num)) as i64, (p % u128::from(self.num)) as usize)
    }

    /// Output sample `n`, if the input it needs has arrived (or `flush`: all input is in).
    fn try_output(&self, n: u64, flush: bool) -> Option<f32> {
        let (k, j) = self.position(n);
        let half = self.taps as i64 / 2;
        let first = k - half + 1;
        let last = k + half;
        if !flush && last >= self.received as i64 {
            return None;
        }
        let row = &self.table[j * self.taps..(j + 1) * self.taps];
        let mut acc = 0f32;
        for (i, &w) in row.iter().enumerate() {
            let idx = first + i as i64 - self.base;
            if idx >= 0 && (idx as usize) < self.history.len() {
                acc += w * self.history[idx as usize];
            }
        }
        Some(acc)
    }

    /// Feeds input samples; appends the output samples that are now complete to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.history.extend_from_slice(input);
        self.received += input.len() as u64;
        while let Some(y) = self.try_output(self.produced, false) {
            out.push(y);
            self.produced += 1;
        }
        self.trim();
    }

    /// Feeds `n` samples of silence.
    pub fn process_silence(&mut self, n: u64, out: &mut Vec<f32>) {
        let zeros = [0f32; 4096];
        let mut left = n;
        while left > 0 {
            let k = left.min(zeros.len() as u64) as usize;
            self.process(&zeros[..k], out);
            left -= k as u64;
        }
    }

    /// Drops the input no future output needs.
    fn trim(&mut self) {
        let (k, _) = self.position(self.produced);
        let keep_from = k - self.taps as i64 / 2 + 1;
        let drop = (keep_from - self.base).clamp(0, self.history.len() as i64) as usize;
        if drop > 4096 {
            self.history.drain(..drop);
            self.base += drop as i64;
        }
    }

    /// Ends the input: appends the remaining output samples, up to [`Resampler::output_len`]
    /// of all the input received.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let total = self.output_len(self.received);
        while self.produced < total {
            out.push(self.try_output(self.produced, true).unwrap_or(0.0));
            self.produced += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f64, n: usize) -> Vec<f32> {
        (0..n).map(|i| (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate)).sin() as f32 * 0.5).collect()
    }

    #[test]
    fn a_tone_keeps_its_phase_and_level_and_the_length_scales() {
        let x = tone(22050, 1000.0, 22050);
        let mut r = Resampler::new(22050, 24000).unwrap();
        let mut y = Vec::new();
        for c in x.chunks(1000) {
            r.process(c, &mut y);
        }
        r.finish(&mut y);
        assert_eq!(y.len(), 24000);
        let want = tone(24000, 1000.0, 24000);
        // Away from the edges (where the input is taken as silence), the same instant.
        let err = y[100..23900].iter().zip(&want[100..23900]).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(err < 2e-3, "{err}");
    }

    #[test]
    fn the_output_does_not_depend_on_how_the_input_is_cut() {
        let x = tone(44100, 440.0, 10_000);
        let run = |cut: usize| {
            let mut r = Resampler::new(44100, 48000).unwrap();
            let mut y = Vec::new();
            for c in x.chunks(cut) {
                r.process(c, &mut y);
            }
            r.process_silence(10, &mut y);
            r.finish(&mut y);
            y
        };
        assert_eq!(run(1), run(4096));
    }

    #[test]
    fn a_tone_above_the_lower_nyquist_frequency_is_removed() {
        // 20 kHz at 48 kHz, down to 24 kHz (Nyquist 12 kHz): gone.
        let x = tone(48000, 20000.0, 48000);
        let mut r = Resampler::new(48000, 24000).unwrap();
        let mut y = Vec::new();
        r.process(&x, &mut y);
        r.finish(&mut y);
        let rms = (y[200..23800].iter().map(|v| v * v).sum::<f32>() / 23600.0).sqrt();
        assert!(rms < 1e-3, "{rms}");
    }
}
