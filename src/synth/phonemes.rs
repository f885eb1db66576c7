//! The phoneme table (`voices/phonemes.toml`): acoustic targets per phone, as data.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::phoneme::Phone;

/// Broad acoustic class of a phone table entry (drives how a phone is expanded into events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Vowel (oral or nasal).
    Vowel,
    /// Plosive.
    Stop,
    /// Affricate (closure + frication release).
    Affricate,
    /// Nasal consonant.
    Nasal,
    /// Flap/tap.
    Flap,
    /// Lateral approximant.
    Lateral,
    /// Central approximant.
    Glide,
    /// Fricative.
    Fricative,
    /// Breathy-voiced glottal fricative (ɦ): takes the neighbouring vowel's formants.
    Breathy,
}

/// How a stop (or flap) is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Release {
    /// Short-lag VOT.
    #[default]
    Unaspirated,
    /// Long-lag VOT filled with aspiration.
    Aspirated,
    /// Prevoiced, voicing continues through release.
    Voiced,
    /// Prevoiced, breathy murmur after release.
    Breathy,
}

/// Noise through the parallel branch: overall level and per-formant amplitudes (dB, 0 = off).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// Overall frication amplitude AF in dB.
    pub af: f32,
    /// A2..A6 in dB.
    pub a: [f32; 5],
    /// Bypass amplitude AB in dB.
    pub ab: f32,
}

/// One phone's entry in the table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneSpec {
    /// Acoustic class.
    pub class: Kind,
    /// Intrinsic duration in ms.
    pub dur_ms: f32,
    /// F1..F3 targets/loci in Hz.
    pub f: [f32; 3],
    /// B1..B3 in Hz.
    #[serde(default)]
    pub b: Option<[f32; 3]>,
    /// F4 in Hz.
    #[serde(default)]
    pub f4: Option<f32>,
    /// Locus mix toward the neighbouring vowel at the boundary.
    #[serde(default)]
    pub mix: Option<f32>,
    /// Transition duration inside the neighbouring vowel, ms.
    #[serde(default)]
    pub trans_ms: Option<f32>,
    /// Voicing amplitude in dB relative to a vowel.
    #[serde(default)]
    pub av_db: Option<f32>,
    /// Aspiration amplitude in dB.
    #[serde(default)]
    pub ah_db: Option<f32>,
    /// Frication noise (fricatives).
    #[serde(default)]
    pub fric: Option<Noise>,
    /// Release burst (stops, affricates).
    #[serde(default)]
    pub burst: Option<Noise>,
    /// Burst duration in ms.
    #[serde(default)]
    pub burst_ms: Option<f32>,
    /// Release type.
    #[serde(default)]
    pub release: Option<Release>,
    /// VOT (or murmur duration) in ms.
    #[serde(default)]
    pub vot_ms: Option<f32>,
    /// Nasal pole in Hz.
    #[serde(default)]
    pub fnp: Option<f32>,
    /// Nasal zero in Hz.
    #[serde(default)]
    pub fnz: Option<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    phone: HashMap<String, PhoneSpec>,
}

/// The whole table, indexed by [`Phone`] (position in [`Phone::ALL`]).
#[derive(Debug)]
pub struct Table {
    specs: Vec<PhoneSpec>,
}

impl Table {
    /// Returns the spec of a phone.
    pub fn get(&self, p: Phone) -> &PhoneSpec {
        &self.specs[index(p)]
    }
}

/// Returns the index of a phone in [`Phone::ALL`].
pub fn index(p: Phone) -> usize {
    Phone::ALL.iter().position(|&q| q == p).expect("phone in ALL")
}

/// Parses a phoneme table; every phone of the inventory must be present.
pub fn parse_table(text: &str, file: &str) -> crate::Result<Table> {
    let f: File = toml::from_str(text).map_err(|e| crate::Error::Voice {
        file: file.into(),
        problem: e.to_string().split_whitespace().collect::<Vec<_>>().join(" "),
    })?;
    let mut specs = Vec::with_capacity(Phone::ALL.len());
    for &p in Phone::ALL {
        match f.phone.get(p.ipa()) {
            Some(s) => specs.push(s.clone()),
            None => {
                return Err(crate::Error::Voice {
                    file: file.into(),
                    problem: format!("no entry for phone {}", p.ipa()),
                })
            }
        }
    }
    for k in f.phone.keys() {
        if Phone::from_ipa(k).is_none() {
            return Err(crate::Error::Voice { file: file.into(), problem: format!("unknown phone {k}") });
        }
    }
    Ok(Table { specs })
}

/// Returns the built-in phoneme table (parsed once).
pub fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        parse_table(include_str!("../../voices/phonemes.toml"), "voices/phonemes.toml")
            .expect("built-in phoneme table is valid (checked by tests)")
    })
}
