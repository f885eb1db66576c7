//! Deterministic noise: a xorshift32 generator seeded per utterance, so the same utterance
//! gives the same samples whatever thread renders it.

/// A small, fast pseudo-random generator (Marsaglia xorshift32).
#[derive(Debug, Clone)]
pub struct Noise {
    state: u32,
}

impl Noise {
    /// Creates a generator; a zero seed is replaced (xorshift must not start at 0).
    pub fn new(seed: u32) -> Noise {
        Noise { state: if seed == 0 { 0x9e37_79b9 } else { seed } }
    }

    /// Returns the next sample, uniform in [-1, 1).
    #[inline(always)]
    pub fn sample(&mut self) -> f32 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        // Top 24 bits → [0, 2) → [-1, 1).
        (x >> 8) as f32 * (2.0 / 16_777_216.0) - 1.0
    }
}

/// Returns a seed derived from data (FNV-1a), so each utterance has its own noise.
pub fn seed_from(words: impl IntoIterator<Item = u32>) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for w in words {
        for b in w.to_le_bytes() {
            h ^= b as u32;
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}
