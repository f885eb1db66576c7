//! The cascade/parallel formant synthesizer (KLSYN88 family) running over [`Frame`]s.
//!
//! Per sample: glottal source → tilt → (+ aspiration) → nasal pole → nasal zero → F1..F8 in
//! cascade; frication noise → parallel F2..F6 with amplitudes (alternating signs) + bypass.
//! Filter coefficients are recomputed twice per frame from interpolated parameters (no trig
//! per sample); amplitudes are interpolated per sample so joins never click.

use super::glottal::{tilt_pole, Glottis};
use super::noise::Noise;
use super::tracks::{Frame, FRAME};

/// The coefficients of a [`Resonator`] or [`AntiResonator`]: y = a·x + b·s₋₁ + c·s₋₂.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Coefs {
    a: f32,
    b: f32,
    c: f32,
}

/// A two-pole resonator (Klatt 1980, eq. 1): y = a·x + b·y₋₁ + c·y₋₂.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resonator {
    k: Coefs,
    y1: f32,
    y2: f32,
    /// The (frequency, bandwidth) the coefficients were computed for.
    key: (f32, f32),
}

impl Resonator {
    /// Sets frequency and bandwidth with unity gain at DC (cascade use).
    #[inline]
    pub fn set(&mut self, f: f32, bw: f32, fs: f32) {
        if self.key == (f, bw) {
            return;
        }
        self.key = (f, bw);
        let r = (-std::f32::consts::PI * bw / fs).exp();
        let c = -r * r;
        let b = 2.0 * r * (std::f32::consts::TAU * f / fs).cos();
        self.k = Coefs { a: 1.0 - b - c, b, c };
    }

    /// Makes the resonator pass its input unchanged (a pole that does not exist at this
    /// sample rate: above the Nyquist guard, where clamping it would pile resonances up just
    /// below Nyquist and ring there).
    #[inline]
    pub fn set_bypass(&mut self) {
        if self.key == (-1.0, -1.0) {
            return;
        }
        self.key = (-1.0, -1.0);
        self.k = Coefs { a: 1.0, b: 0.0, c: 0.0 };
    }

    /// Sets frequency and bandwidth with about unity gain at the resonance peak (parallel use,
    /// so amplitudes in dB are spectral peak levels).
    #[inline]
    pub fn set_peak(&mut self, f: f32, bw: f32, fs: f32) {
        if self.key == (f, bw) {
            return;
        }
        self.key = (f, bw);
        let r = (-std::f32::consts::PI * bw / fs).exp();
        let th = std::f32::consts::TAU * f / fs;
        self.k = Coefs {
            a: (1.0 - r) * (1.0 - 2.0 * r * (2.0 * th).cos() + r * r).sqrt(),
            b: 2.0 * r * th.cos(),
            c: -r * r,
        };
    }

    /// Filters one sample.
    #[inline(always)]
    pub fn tick(&mut self, x: f32) -> f32 {
        let Coefs { a, b, c } = self.k;
        let y = a * x + b * self.y1 + c * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// A two-zero antiresonator (Klatt 1980, eq. 2), the inverse of a [`Resonator`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AntiResonator {
    k: Coefs,
    x1: f32,
    x2: f32,
    key: (f32, f32),
}

impl AntiResonator {
    /// Sets the zero frequency and bandwidth (unity gain at DC).
    #[inline]
    pub fn set(&mut self, f: f32, bw: f32, fs: f32) {
        if self.key == (f, bw) {
            return;
        }
        self.key = (f, bw);
        let mut r = Resonator::default();
        r.set(f, bw, fs);
        let inv = 1.0 / r.k.a;
        self.k = Coefs { a: inv, b: -r.k.b * inv, c: -r.k.c * inv };
    }

    /// Filters one sample.
    #[inline(always)]
    pub fn tick(&mut self, x: f32) -> f32 {
        let Coefs { a, b, c } = self.k;
        let y = a * x + b * self.x1 + c * self.x2;
        self.x2 = self.x1;
        self.x1 = x;
        y
    }
}

/// Gains that bring the three sources to a common level (calibrated so a vowel peaks near
/// −6 dBFS and fricatives/aspiration sit at natural levels relative to it).
const VOICE_GAIN: f32 = 0.17;
const ASP_GAIN: f32 = 0.085;
const FRIC_GAIN: f32 = 0.17;
/// Gain of the high shelf of the higher-pole correction (about +10 dB well above 4 kHz).
const HPC_GAIN: f32 = 2.0;

/// Filters in the cascade between the source and the output: nasal pole, nasal zero, F1..F8.
const STAGES: usize = 10;

/// The cascade, run as a pipeline: at tick `t` stage `s` filters sample `t − s`, so the ten
/// filters of a tick do not wait for each other (one sample through ten filters in turn is a
/// chain of 30 dependent multiply-adds; a tick of the pipeline is ten independent ones). Every
/// filter does the same arithmetic on the same samples as in turn, so the output is the same
/// to the bit. A filter takes a half-frame's coefficients when it reaches that half-frame's
/// first sample.
struct Cascade {
    np: Resonator,
    nz: AntiResonator,
    casc: [Resonator; 8],
    /// `v[s]`: the last output of stage `s`, the input of stage `s + 1` at the next tick.
    v: [f32; STAGES],
}

/// Coefficients of every cascade stage for the samples from `start` on.
struct CoefSet {
    start: usize,
    coefs: [Coefs; STAGES],
}

/// What follows the cascade, sample by sample: the higher-pole correction, the parallel
/// (frication) branch's output and the DC blocker.
struct Tail {
    hpc: f32,
    hpc_x1: f32,
    hpc_a: f32,
    hp_x1: f32,
    hp_y1: f32,
    hp_r: f32,
}

impl Tail {
    #[inline(always)]
    fn tick(&mut self, mut x: f32, par: f32) -> f32 {
        // Higher-pole correction (K80): the poles above F8 that the cascade lacks would lift
        // the spectrum above ~4 kHz; a high shelf stands in for them.
        self.hpc = self.hpc_a * (self.hpc + x - self.hpc_x1);
        self.hpc_x1 = x;
        x += HPC_GAIN * self.hpc;
        // The parallel branch (−0.0 where it is off: adding it leaves every value as it is).
        x += par;
        // DC blocker.
        // (+c −c) flushes values far below audibility to 0 (no subnormals).
        let y = ((x - self.hp_x1 + self.hp_r * self.hp_y1) + 1e-18) - 1e-18;
        self.hp_x1 = x;
        self.hp_y1 = y;
        y
    }
}

impl Cascade {
    fn new() -> Cascade {
        Cascade {
            np: Resonator::default(),
            nz: AntiResonator::default(),
            casc: [Resonator::default(); 8],
            v: [0.0; STAGES],
        }
    }

    /// Gives stage `stage` new coefficients, keeping its state.
    fn load(&mut self, stage: usize, k: Coefs) {
        match stage {
            0 => self.np.k = k,
            1 => self.nz.k = k,
            s => self.casc[s - 2].k = k,
        }
    }

    /// Runs ticks `t0..t1` over `buf` in place: `buf[t]` is the source sample `t` going in
    /// and, from tick `t + STAGES − 1` on, the finished sample (`par[t]` added after the
    /// cascade, through `tail`). Ticks past the end feed zeros.
    #[inline(always)]
    fn run(&mut self, buf: &mut [f32], par: &[f32], tail: &mut Tail, t0: usize, t1: usize) {
        let n = buf.len();
        for t in t0..t1 {
            let x = if t < n { buf[t] } else { 0.0 };
            // From the last stage back: each reads its predecessor's output of the last tick.
            for j in (0..8).rev() {
                self.v[2 + j] = self.casc[j].tick(self.v[1 + j]);
            }
            self.v[1] = self.nz.tick(self.v[0]);
            self.v[0] = self.np.tick(x);
            if let Some(i) = t.checked_sub(STAGES - 1) {
                if i < n {
                    buf[i] = tail.tick(self.v[STAGES - 1], par[i]);
                }
            }
        }
    }
}

/// Renders frames to samples (before output gain, limiter and fades).
///
/// Two passes: the sources (glottis, aspiration, frication through the parallel formants)
/// sample by sample with the cascade's coefficients for every half-frame, then the cascade
/// ([`Cascade`]) and what follows it.
pub fn synthesize(frames: &[Frame], fs: u32, breathiness: f32, seed: u32, out: &mut Vec<f32>, nsamples: usize) {
    let fsf = fs as f32;
    let nyq_guard = 0.45 * fsf;
    let spf = (FRAME * fsf) as f64; // samples per frame (fractional)
    let mut glottis = Glottis::new();
    let mut noise = Noise::new(seed);
    let mut casc = [Resonator::default(); 8];
    let mut np = Resonator::default();
    let mut nz = AntiResonator::default();
    let mut par = [Resonator::default(); 5];
    let mut tilt_state = 0.0f32;
    let mut fric_prev = 0.0f32;
    let mut tilt_db = f32::NAN;
    let hpc_rc = 1.0 / (std::f32::consts::TAU * 4000.0);
    let mut tail = Tail {
        hpc: 0.0,
        hpc_x1: 0.0,
        hpc_a: hpc_rc / (hpc_rc + 1.0 / fsf),
        hp_x1: 0.0,
        hp_y1: 0.0,
        // One-pole DC blocker at ~50 Hz.
        hp_r: (-std::f32::consts::TAU * 50.0 / fsf).exp(),
    };
    let mut tp = 0.0f32;
    let breath = breathiness * ASP_GAIN * 0.6;
    let base = out.len();
    out.reserve(nsamples);
    let mut par_out: Vec<f32> = Vec::with_capacity(nsamples);
    let mut sets: Vec<CoefSet> = Vec::with_capacity(2 * frames.len());

    let mut n = 0usize;
    let nf = frames.len();
    let mut k = 0usize;
    while n < nsamples && k + 1 < nf {
        let a = &frames[k];
        let b = &frames[k + 1];
        let end = (((k + 1) as f64 * spf).round() as usize).min(nsamples);
        let start = n;
        let len = end.saturating_sub(start);
        if len == 0 {
            k += 1;
            continue;
        }
        // Two coefficient updates per frame.
        let half = len / 2;
        for (h, (hs, he)) in [(0usize, half), (half, len)].into_iter().enumerate() {
            if he <= hs {
                continue;
            }
            let u = if h == 0 { 0.25 } else { 0.75 };
            let lerp = |x: f32, y: f32| x + (y - x) * u;
            for (j, r) in casc.iter_mut().enumerate() {
                let f = lerp(a.f[j], b.f[j]);
                if f < nyq_guard || j < 3 {
                    // F1-F3 always exist (clamped at very low rates); higher poles above the
                    // guard are left out rather than stacked just below Nyquist.
                    r.set(f.min(nyq_guard), lerp(a.b[j], b.b[j]), fsf);
                } else {
                    r.set_bypass();
                }
            }
            np.set(lerp(a.fnp, b.fnp).min(nyq_guard), 100.0, fsf);
            nz.set(lerp(a.fnz, b.fnz).min(nyq_guard), 100.0, fsf);
            let mut coefs = [np.k; STAGES];
            coefs[1] = nz.k;
            for (c, r) in coefs[2..].iter_mut().zip(&casc) {
                *c = r.k;
            }
            sets.push(CoefSet { start: start + hs, coefs });
            let af_max = a.af.max(b.af);
            let par_on = af_max > 0.0;
            let mut pg = [0.0f32; 6];
            if par_on {
                // Parallel bandwidths: wider than the cascade's, as for noise-excited formants (K80).
                const PB: [f32; 5] = [200.0, 250.0, 320.0, 400.0, 800.0];
                for j in 0..5 {
                    let f = lerp(a.f[j + 1], b.f[j + 1]);
                    if f < nyq_guard {
                        par[j].set_peak(f, PB[j], fsf);
                        // Scale so a formant's noise band carries the power its amplitude
                        // says whatever its bandwidth (a 5 kHz-wide band = 0 dB): narrow
                        // compact bursts (velar, palatal) are then as loud as in speech.
                        pg[j] = lerp(a.par[j], b.par[j]) * (5000.0 / PB[j]).sqrt();
                    }
                }
                pg[5] = lerp(a.par[5], b.par[5]);
                // Alternate signs so neighbouring parallel formants do not cancel (K80).
                pg[1] = -pg[1];
                pg[3] = -pg[3];
            }
            let tilt = lerp(a.tilt_db, b.tilt_db);
            if tilt != tilt_db {
                tilt_db = tilt;
                tp = tilt_pole(tilt, fsf);
            }
            let t1 = 1.0 - tp;
            let oq = lerp(a.oq, b.oq);
            // Per-sample interpolation of amplitudes and F0 across the whole frame.
            let inv = 1.0 / len as f32;
            let mut av = a.av + (b.av - a.av) * (hs as f32 * inv);
            let dav = (b.av - a.av) * inv;
            let mut ah = a.ah + (b.ah - a.ah) * (hs as f32 * inv);
            let dah = (b.ah - a.ah) * inv;
            let mut af = a.af + (b.af - a.af) * (hs as f32 * inv);
            let daf = (b.af - a.af) * inv;
            // The period is latched at each glottal pulse; per half-frame resolution suffices.
            let period = fsf / lerp(a.f0, b.f0);
            for _ in hs..he {
                let (g, open) = glottis.next(period, oq);
                tilt_state = t1 * g + tp * tilt_state;
                let nv = noise.sample();
                let asp = nv * (ah * ASP_GAIN + if open { breath } else { breath * 0.25 });
                // A tiny constant keeps the filter states out of the (slow) subnormal range in
                // silences; the DC blocker removes it.
                out.push(av * VOICE_GAIN * tilt_state + asp + 1e-20);
                let mut p = -0.0;
                if par_on {
                    // Voiced frication is amplitude-modulated by the glottal cycle (K80).
                    let m = if av > 0.05 && !open { 0.5 } else { 1.0 };
                    let e = noise.sample() * af * FRIC_GAIN * m;
                    // The bypass path gets first-differenced noise (+6 dB/oct): labial and
                    // dental noise is weak at low frequencies (K80 uses the bypass for flat,
                    // high-frequency spectra).
                    p = pg[5] * (e - fric_prev);
                    fric_prev = e;
                    for j in 0..5 {
                        p += pg[j] * par[j].tick(e);
                    }
                }
                par_out.push(p);
                av += dav;
                ah += dah;
                af += daf;
            }
        }
        n = end;
        k += 1;
    }

    // The cascade: stage `s` takes set `h` at tick `sets[h].start + s`.
    let buf = &mut out[base..];
    let mut switches: Vec<(usize, u8, u32)> = Vec::with_capacity(sets.len() * STAGES);
    for (h, set) in sets.iter().enumerate() {
        switches.extend((0..STAGES).map(|s| (set.start + s, s as u8, h as u32)));
    }
    // In order already unless a half-frame is shorter than the pipeline (stable: a stage's
    // own switches keep their order).
    switches.sort_by_key(|w| w.0);
    let mut cascade = Cascade::new();
    let mut t = 0;
    for &(at, stage, h) in &switches {
        cascade.run(buf, &par_out, &mut tail, t, at);
        t = t.max(at);
        cascade.load(usize::from(stage), sets[h as usize].coefs[usize::from(stage)]);
    }
    cascade.run(buf, &par_out, &mut tail, t, buf.len() + STAGES - 1);
    out.resize(base + nsamples, 0.0);
}
