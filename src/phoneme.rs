//! The Hindi phoneme inventory shared by every stage.
//!
//! [`Phone`] is the unit that crosses the g2p → prosody → synth boundaries. Its IPA
//! spelling follows the SIGMORPHON 2020 conventions described in
//! `shared/data/g2p/README.md` (the notation `samachar phonemize` prints).

use std::fmt;

macro_rules! phones {
    ($( $(#[$m:meta])* $name:ident = $ipa:literal, $class:ident ;)*) => {
        /// One Hindi phone (segment). Geminates are two identical phones in a row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum Phone { $( $(#[$m])* $name, )* }

        impl Phone {
            /// Every phone of the inventory, in declaration order.
            pub const ALL: &'static [Phone] = &[ $( Phone::$name, )* ];

            /// Returns the IPA spelling (SIGMORPHON 2020 notation).
            pub fn ipa(self) -> &'static str {
                match self { $( Phone::$name => $ipa, )* }
            }

            /// Returns the broad class of the phone.
            pub fn class(self) -> PhoneClass {
                match self { $( Phone::$name => PhoneClass::$class, )* }
            }

            /// Parses one IPA phone token (as printed by [`Phone::ipa`]).
            pub fn from_ipa(s: &str) -> Option<Phone> {
                match s { $( $ipa => Some(Phone::$name), )* _ => None }
            }
        }
    };
}

phones! {
    // Oral vowels.
    A = "ə", vowel; Aa = "ɑː", vowel; I = "ɪ", vowel; Ii = "iː", vowel; U = "ʊ", vowel;
    Uu = "uː", vowel; E = "eː", vowel; O = "oː", vowel; Ai = "ɛː", vowel; Au = "ɔː", vowel;
    // Nasal vowels.
    AN = "ə̃", vowel; AaN = "ɑ̃ː", vowel; IN = "ɪ̃", vowel; IiN = "ĩː", vowel; UN = "ʊ̃", vowel;
    UuN = "ũː", vowel; EN = "ẽː", vowel; ON = "õː", vowel; AiN = "ɛ̃ː", vowel; AuN = "ɔ̃ː", vowel;
    // Plosives: voiceless, aspirated, voiced, breathy voiced.
    P = "p", stop; Ph = "pʰ", stop; B = "b", stop; Bh = "bʱ", stop;
    T = "t̪", stop; Th = "t̪ʰ", stop; D = "d̪", stop; Dh = "d̪ʱ", stop;
    Tt = "ʈ", stop; Tth = "ʈʰ", stop; Dd = "ɖ", stop; Ddh = "ɖʱ", stop;
    K = "k", stop; Kh = "kʰ", stop; G = "ɡ", stop; Gh = "ɡʱ", stop;
    Q = "q", stop;
    // Affricates.
    C = "t͡ʃ", affricate; Ch = "t͡ʃʰ", affricate; J = "d͡ʒ", affricate; Jh = "d͡ʒʱ", affricate;
    // Nasals.
    M = "m", nasal; N = "n", nasal; Nn = "ɳ", nasal; Ny = "ɲ", nasal; Ng = "ŋ", nasal;
    // Flaps, liquids, approximants.
    R = "ɾ", flap; Rr = "ɽ", flap; Rrh = "ɽʱ", flap;
    L = "l", liquid; V = "ʋ", glide; Y = "j", glide;
    // Fricatives.
    S = "s", fricative; Sh = "ʃ", fricative; Ss = "ʂ", fricative; Z = "z", fricative;
    F = "f", fricative; X = "x", fricative; Gg = "ɣ", fricative; H = "ɦ", fricative;
}

/// Broad phone classes, used by prosody (durations) and synthesis (source type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PhoneClass {
    Vowel,
    Stop,
    Affricate,
    Nasal,
    Flap,
    Liquid,
    Glide,
    Fricative,
}

// The macro writes the class idents in lower case for readability; map them here.
#[allow(non_upper_case_globals)]
impl PhoneClass {
    const vowel: PhoneClass = PhoneClass::Vowel;
    const stop: PhoneClass = PhoneClass::Stop;
    const affricate: PhoneClass = PhoneClass::Affricate;
    const nasal: PhoneClass = PhoneClass::Nasal;
    const flap: PhoneClass = PhoneClass::Flap;
    const liquid: PhoneClass = PhoneClass::Liquid;
    const glide: PhoneClass = PhoneClass::Glide;
    const fricative: PhoneClass = PhoneClass::Fricative;
}

impl Phone {
    /// Returns true for vowels (oral and nasal).
    pub fn is_vowel(self) -> bool {
        self.class() == PhoneClass::Vowel
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ipa())
    }
}

/// Parses a space-separated phone string ("n ə m ə s t̪ eː").
///
/// Returns the offending token on failure.
pub fn parse_phones(s: &str) -> Result<Vec<Phone>, String> {
    s.split_whitespace().map(|t| Phone::from_ipa(t).ok_or_else(|| t.to_string())).collect()
}

/// Formats phones separated by single spaces.
pub fn format_phones(phones: &[Phone]) -> String {
    let mut out = String::new();
    for (i, p) in phones.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(p.ipa());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipa_round_trips() {
        for &p in Phone::ALL {
            assert_eq!(Phone::from_ipa(p.ipa()), Some(p), "{p:?}");
        }
    }

    #[test]
    fn parse_rejects_unknown() {
        assert_eq!(parse_phones("n ə X"), Err("X".to_string()));
        assert_eq!(format_phones(&parse_phones("n ə m").unwrap()), "n ə m");
    }
}
