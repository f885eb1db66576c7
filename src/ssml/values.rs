//! Attribute values of SSML elements: times, strengths, prosody values, emphasis levels.

use crate::text::Scales;

/// Parses a `break time` value: "500ms", "1.5s", "2" (seconds). At most 60 s.
pub(super) fn time(v: &str) -> Result<f32, String> {
    let v = v.trim();
    let (num, mul) = if let Some(n) = v.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1.0)
    } else {
        (v, 1.0)
    };
    let x: f32 = num.trim().parse().map_err(|_| format!("break time '{v}' is not a time (use e.g. 500ms or 1.5s)"))?;
    let secs = x * mul;
    if !(0.0..=60.0).contains(&secs) {
        return Err(format!("break time '{v}' is out of range (0 to 60 s)"));
    }
    Ok(secs)
}

/// Pause length in seconds of a `break strength`. The values match the renderer's own
/// pauses: weak = a comma, medium = a clause break, strong = between sentences,
/// x-strong = between paragraphs ([`crate::render::PauseLengths`]).
pub(super) fn strength(v: &str) -> Result<f32, String> {
    Ok(match v.trim() {
        "none" => 0.0,
        "x-weak" => 0.1,
        "weak" => crate::prosody::COMMA_PAUSE,
        "medium" => crate::prosody::CLAUSE_PAUSE,
        "strong" => 0.55,
        "x-strong" => 0.85,
        o => return Err(format!("unknown break strength '{o}' (none, x-weak, weak, medium, strong, x-strong)")),
    })
}

/// A relative change: "+20%", "-10%", "+3dB", "+2st" → (number, unit).
fn signed(v: &str) -> Option<(f32, &str)> {
    let v = v.trim();
    if !v.starts_with(['+', '-']) {
        return None;
    }
    let split = v.find(|c: char| c.is_alphabetic() || c == '%').unwrap_or(v.len());
    let x: f32 = v[..split].parse().ok()?;
    Some((x, &v[split..]))
}

/// A non-negative number with an optional unit: "150%", "1.5", "120Hz".
fn unsigned(v: &str) -> Option<(f32, &str)> {
    let v = v.trim();
    let split = v.find(|c: char| c.is_alphabetic() || c == '%').unwrap_or(v.len());
    let x: f32 = v[..split].parse().ok()?;
    (x >= 0.0).then_some((x, &v[split..]))
}

/// Parses `prosody rate`: a keyword, a percentage of the current rate ("150%"), a relative
/// change ("+20%", "-20%") or a bare multiplier ("1.5"). Returns the multiplier.
pub(super) fn rate(v: &str) -> Result<f32, String> {
    let bad = || format!("prosody rate '{v}' is not understood (x-slow … x-fast, 80%, +20%, 1.5)");
    let r = match v.trim() {
        "x-slow" => 0.6,
        "slow" => 0.8,
        "medium" | "default" => 1.0,
        "fast" => 1.25,
        "x-fast" => 1.6,
        _ => match signed(v) {
            Some((x, "%")) => 1.0 + x / 100.0,
            Some(_) => return Err(bad()),
            None => match unsigned(v) {
                Some((x, "%")) => x / 100.0,
                Some((x, "")) => x,
                _ => return Err(bad()),
            },
        },
    };
    if !(0.2..=5.0).contains(&r) {
        return Err(format!("prosody rate '{v}' is out of range (0.2 to 5 times the rate)"));
    }
    Ok(r)
}

/// A pitch: a multiplier of the current pitch, or an absolute base in Hz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Pitch {
    /// Multiplies the current pitch.
    Relative(f32),
    /// Sets the base pitch to this many Hz.
    Absolute(f32),
}

/// Parses `prosody pitch`: a keyword, "+10%", "-2st", "+1.5st", "150Hz" (absolute), "90%".
pub(super) fn pitch(v: &str) -> Result<Pitch, String> {
    let bad = || format!("prosody pitch '{v}' is not understood (x-low … x-high, +10%, -2st, 150Hz)");
    let p = match v.trim() {
        "x-low" => Pitch::Relative(0.75),
        "low" => Pitch::Relative(0.88),
        "medium" | "default" => Pitch::Relative(1.0),
        "high" => Pitch::Relative(1.14),
        "x-high" => Pitch::Relative(1.3),
        _ => match signed(v) {
            Some((x, "%")) => Pitch::Relative(1.0 + x / 100.0),
            Some((x, "st")) => Pitch::Relative((x / 12.0).exp2()),
            Some(_) => return Err(format!("{} (a change in Hz is not supported: use % or st)", bad())),
            None => match unsigned(v) {
                Some((x, "Hz")) => Pitch::Absolute(x),
                Some((x, "%")) => Pitch::Relative(x / 100.0),
                _ => return Err(bad()),
            },
        },
    };
    let ok = match p {
        Pitch::Relative(x) => (0.25..=4.0).contains(&x),
        Pitch::Absolute(hz) => (40.0..=600.0).contains(&hz),
    };
    if !ok {
        return Err(format!("prosody pitch '{v}' is out of range (0.25 to 4 times, or 40 to 600 Hz)"));
    }
    Ok(p)
}

/// A volume: a multiplier of the current volume, or an absolute gain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Volume {
    /// Multiplies the current gain.
    Relative(f32),
    /// Sets the gain (1.0 = the default volume).
    Absolute(f32),
}

/// Parses `prosody volume`: a keyword, "+6dB"/"-3dB", "+10%", or SSML 1.1's absolute 0–100
/// (100 = the default volume, 50 = half the amplitude).
pub(super) fn volume(v: &str) -> Result<Volume, String> {
    let bad = || format!("prosody volume '{v}' is not understood (silent, x-soft … x-loud, +6dB, -3dB, 50)");
    let g = match v.trim() {
        "silent" => Volume::Absolute(0.0),
        "x-soft" => Volume::Absolute(0.25),
        "soft" => Volume::Absolute(0.5),
        "medium" => Volume::Absolute(1.0),
        "default" => Volume::Relative(1.0),
        "loud" => Volume::Absolute(1.5),
        "x-loud" => Volume::Absolute(2.0),
        _ => match signed(v) {
            Some((x, "dB")) => Volume::Relative(10f32.powf(x / 20.0)),
            Some((x, "%")) => Volume::Relative(1.0 + x / 100.0),
            Some(_) => return Err(bad()),
            None => match unsigned(v) {
                Some((x, "")) if x <= 100.0 => Volume::Absolute(x / 100.0),
                Some((x, "dB")) => Volume::Relative(10f32.powf(x / 20.0)),
                _ => return Err(bad()),
            },
        },
    };
    let x = match g {
        Volume::Relative(x) | Volume::Absolute(x) => x,
    };
    if !(0.0..=4.0).contains(&x) {
        return Err(format!("prosody volume '{v}' is out of range (at most +12 dB)"));
    }
    Ok(g)
}

/// The scales of an `emphasis level`: slower, higher and louder for strong (a newsreader
/// stresses a word by lengthening it and raising its pitch and loudness), the reverse for
/// reduced; `none` leaves the words as they are.
pub(super) fn emphasis(v: &str) -> Result<Scales, String> {
    Ok(match v.trim() {
        "strong" => Scales { rate: 0.8, pitch: 1.12, volume: 1.3, ..Scales::default() },
        "moderate" | "" => Scales { rate: 0.9, pitch: 1.06, volume: 1.15, ..Scales::default() },
        "reduced" => Scales { rate: 1.1, pitch: 0.97, volume: 0.8, ..Scales::default() },
        "none" => Scales::default(),
        o => return Err(format!("unknown emphasis level '{o}' (strong, moderate, reduced, none)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(time("500ms"), Ok(0.5));
        assert_eq!(time("1.5s"), Ok(1.5));
        assert!(time("abc").is_err());
        assert!(time("100s").is_err());
        assert_eq!(rate("+50%"), Ok(1.5));
        assert_eq!(rate("80%"), Ok(0.8));
        assert_eq!(rate("slow"), Ok(0.8));
        assert!(rate("0%").is_err());
        assert_eq!(pitch("+12st"), Ok(Pitch::Relative(2.0)));
        assert_eq!(pitch("150Hz"), Ok(Pitch::Absolute(150.0)));
        assert!(pitch("+10Hz").is_err());
        assert_eq!(volume("50"), Ok(Volume::Absolute(0.5)));
        assert!(matches!(volume("+6dB"), Ok(Volume::Relative(x)) if (x - 1.995).abs() < 0.01));
        assert!(strength("huge").is_err());
    }
}
