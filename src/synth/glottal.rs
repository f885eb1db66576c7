//! The voice source: a KLGLOTT88-style glottal flow derivative with open quotient, spectral
//! tilt (one-pole low-pass) and breathiness.
//!
//! Flow in the open phase is U(x) = x² − x³ for x ∈ [0, 1) (x = time / open-phase length,
//! Klatt & Klatt 1990); its derivative 2x − 3x² already includes the +6 dB/oct lip radiation,
//! and its jump from −1 to 0 at glottal closure is the main excitation of each period.

/// Glottal pulse generator state.
#[derive(Debug, Clone)]
pub struct Glottis {
    /// Position in the current period, in samples.
    pos: f32,
    /// Current period in samples.
    period: f32,
    /// Open-phase length in samples.
    open: f32,
    inv_open: f32,
}

impl Glottis {
    /// Creates a source at rest (the first call starts a period).
    pub fn new() -> Glottis {
        Glottis { pos: 1e9, period: 1.0, open: 1.0, inv_open: 1.0 }
    }

    /// Returns the next flow-derivative sample and whether the glottis is open.
    ///
    /// `period` (samples) and `oq` are latched at the start of each period, so pitch changes
    /// never cut a pulse.
    #[inline(always)]
    pub fn next(&mut self, period: f32, oq: f32) -> (f32, bool) {
        if self.pos >= self.period {
            self.pos -= self.period;
            if self.pos >= period {
                self.pos = 0.0;
            }
            self.period = period;
            self.open = (oq * period).max(2.0);
            self.inv_open = 1.0 / self.open;
        }
        let p = self.pos;
        self.pos += 1.0;
        if p < self.open {
            let x = p * self.inv_open;
            (x * (2.0 - 3.0 * x), true)
        } else {
            (0.0, false)
        }
    }
}

impl Default for Glottis {
    fn default() -> Self {
        Glottis::new()
    }
}

/// Returns the pole of a one-pole low-pass y = (1−a)x + a·y₋₁ that attenuates 3 kHz by
/// `db` relative to DC (KLSYN88's TL parameter).
///
/// Closed form of |H(3 kHz)|² = (1−a)² / (1 − 2a·cos ω + a²) = g².
pub fn tilt_pole(db: f32, sample_rate: f32) -> f32 {
    if db <= 0.01 {
        return 0.0;
    }
    let g2 = 10f32.powf(-db / 10.0);
    let c = (std::f32::consts::TAU * 3000.0 / sample_rate.max(6001.0)).cos();
    let k = 1.0 - g2;
    let m = 1.0 - g2 * c;
    let disc = (m * m - k * k).max(0.0);
    ((m - disc.sqrt()) / k).clamp(0.0, 0.99)
}
