//! Letters → phones: the Devanagari reading of one word, with every inherent schwa left as a
//! candidate for [`super::schwa`] to keep or delete.
//!
//! In: one word (any Unicode). Out: an [`Analysis`]: symbols (phones, schwa candidates,
//! anusvara/chandrabindu/visarga marks) and the *skeleton*, a letter string in which each
//! schwa candidate is a marker character — the context the schwa model reads.

use crate::phoneme::Phone;

/// The nukta sign (U+093C).
pub(crate) const NUKTA: char = '\u{93C}';
/// The virama (halant, U+094D).
pub(crate) const VIRAMA: char = '\u{94D}';
/// Skeleton marker of an undecided schwa candidate.
pub(crate) const SCHWA_UNDECIDED: char = 'a';
/// Skeleton marker of a deleted schwa.
pub(crate) const SCHWA_DELETED: char = '0';
/// Skeleton marker of a kept schwa.
pub(crate) const SCHWA_KEPT: char = '1';

/// Longest word (in chars) read letter by letter; the rest is ignored, so output is bounded.
pub(crate) const MAX_WORD_CHARS: usize = 256;

/// One symbol of a word before schwa deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sym {
    /// A phone that is always spoken.
    P(Phone),
    /// An inherent schwa that may be deleted.
    Schwa,
    /// Anusvara (ं): a nasal consonant or vowel nasalization, depending on what follows.
    Anusvara,
    /// Chandrabindu (ँ): nasalizes the vowel before it.
    Chandrabindu,
    /// Visarga (ः): [ɦ] after the vowel.
    Visarga,
}

/// A word read letter by letter.
#[derive(Debug, Default, Clone)]
pub(crate) struct Analysis {
    /// Symbols in spoken order.
    pub syms: Vec<Sym>,
    /// The skeleton: `^`, the letters, schwa markers, `$`.
    pub skel: Vec<char>,
    /// For each schwa candidate (in order): (index in `syms`, index in `skel`).
    pub cands: Vec<(usize, usize)>,
    /// The word's characters (a reused buffer).
    pub chars: Vec<char>,
    /// The skeleton mapped to letter classes (a buffer of the schwa model).
    pub cls: Vec<char>,
    /// The skeleton mapped to shapes (a buffer of the schwa model).
    pub shp: Vec<char>,
}

/// Returns the phone of a consonant letter (with nukta when `nukta`), or None.
pub(crate) fn consonant(c: char, nukta: bool) -> Option<Phone> {
    use Phone::*;
    let p = match (c, nukta) {
        ('क', false) => K,
        ('क', true) => Q,
        ('ख', false) => Kh,
        ('ख', true) => X,
        ('ग', false) => G,
        ('ग', true) => Gg,
        ('घ', _) => Gh,
        ('ङ', _) => Ng,
        ('च', _) => C,
        ('छ', _) => Ch,
        ('ज', false) => J,
        ('ज', true) => Z,
        ('झ', false) => Jh,
        ('झ', true) => Z,
        ('ञ', _) => Ny,
        ('ट', _) => Tt,
        ('ठ', _) => Tth,
        ('ड', false) => Dd,
        ('ड', true) => Rr,
        ('ढ', false) => Ddh,
        ('ढ', true) => Rrh,
        // ण: SIGMORPHON 2020 writes [n] (data/g2p/README.md).
        ('ण', _) => N,
        ('त', _) => T,
        ('थ', _) => Th,
        ('द', _) => D,
        ('ध', _) => Dh,
        ('न', _) => N,
        ('प', _) => P,
        ('फ', false) => Ph,
        ('फ', true) => F,
        ('ब', _) => B,
        ('भ', _) => Bh,
        ('म', _) => M,
        ('य', _) => Y,
        ('र', _) => R,
        ('ल', _) => L,
        ('ळ', _) => L,
        ('व', _) => V,
        // ष: [ʃ] for most speakers; SIGMORPHON 2020 writes ʃ.
        ('श', _) => Sh,
        ('ष', _) => Sh,
        ('स', _) => S,
        ('ह', _) => H,
        _ => return None,
    };
    Some(p)
}

/// Returns true for consonant letters (U+0915..U+0939 and the nukta forms U+0958..U+095F).
pub(crate) fn is_consonant(c: char) -> bool {
    matches!(c, '\u{915}'..='\u{939}' | '\u{958}'..='\u{95F}')
}

/// Returns the phones of a vowel sign (matra).
fn matra(c: char) -> Option<&'static [Phone]> {
    use Phone::*;
    Some(match c {
        'ा' => &[Aa],
        'ि' => &[I],
        'ी' => &[Ii],
        'ु' => &[U],
        'ू' => &[Uu],
        'ृ' => &[R, I],
        'ॄ' => &[R, Ii],
        'ॢ' | 'ॣ' => &[L, I],
        'े' | 'ॆ' => &[E],
        'ै' => &[Ai],
        'ो' | 'ॊ' => &[O],
        'ौ' => &[Au],
        'ॉ' => &[Au],
        'ॅ' => &[Ai],
        'ॏ' => &[Au],
        'ऺ' => &[O],
        'ऻ' => &[Aa],
        'ॕ' => &[E],
        'ॖ' => &[U],
        'ॗ' => &[Uu],
        _ => return None,
    })
}

/// Returns the phones of an independent vowel letter.
fn vowel_letter(c: char) -> Option<&'static [Phone]> {
    use Phone::*;
    Some(match c {
        'अ' => &[A],
        'आ' => &[Aa],
        'इ' => &[I],
        'ई' => &[Ii],
        'उ' => &[U],
        'ऊ' => &[Uu],
        'ऋ' => &[R, I],
        'ॠ' => &[R, Ii],
        'ऌ' | 'ॡ' => &[L, I],
        'ए' | 'ऎ' => &[E],
        'ऐ' => &[Ai],
        'ओ' | 'ऒ' => &[O],
        'औ' => &[Au],
        'ऑ' | 'ॲ' => &[Au],
        'ऍ' => &[Ai],
        'ऄ' => &[A],
        'ॳ' | 'ॴ' | 'ॵ' | 'ॶ' | 'ॷ' => &[A],
        _ => return None,
    })
}

/// Splits precomposed nukta letters into base + nukta and drops joiners, so that every
/// spelling of a word gives the same key (क़ U+0958 = क + ़).
pub fn normalize_word(word: &str, out: &mut String) {
    out.clear();
    for c in word.chars() {
        let base = match c {
            '\u{929}' => Some('न'),
            '\u{931}' => Some('र'),
            '\u{934}' => Some('ळ'),
            '\u{958}' => Some('क'),
            '\u{959}' => Some('ख'),
            '\u{95A}' => Some('ग'),
            '\u{95B}' => Some('ज'),
            '\u{95C}' => Some('ड'),
            '\u{95D}' => Some('ढ'),
            '\u{95E}' => Some('फ'),
            '\u{95F}' => Some('य'),
            _ => None,
        };
        match base {
            Some(b) => {
                out.push(b);
                out.push(NUKTA);
            }
            // Joiners and the BOM carry no sound.
            None if matches!(c, '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{200B}') => {}
            None => out.push(c),
        }
    }
}

/// Returns the skeleton letter of a consonant: the base letter, or the precomposed form
/// when it carries a nukta (so the schwa model sees ज़ and ज as different letters).
fn skel_consonant(c: char, nukta: bool) -> char {
    if !nukta {
        return c;
    }
    match c {
        'क' => '\u{958}',
        'ख' => '\u{959}',
        'ग' => '\u{95A}',
        'ज' => '\u{95B}',
        'ड' => '\u{95C}',
        'ढ' => '\u{95D}',
        'फ' => '\u{95E}',
        'य' => '\u{95F}',
        other => other,
    }
}

/// Reads a normalized word (see [`normalize_word`]) letter by letter into `a`.
pub(crate) fn analyze(word: &str, a: &mut Analysis) {
    a.syms.clear();
    a.skel.clear();
    a.cands.clear();
    a.skel.push('^');
    let mut chars = std::mem::take(&mut a.chars);
    chars.clear();
    chars.extend(word.chars().take(MAX_WORD_CHARS));
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if is_consonant(c) {
            let mut j = i + 1;
            let nukta = j < n && chars[j] == NUKTA;
            if nukta {
                j += 1;
            }
            let mut phone = consonant(c, nukta).unwrap_or(Phone::A);
            // ज्ञ is [ɡj] in Hindi (ज्ञान ɡjɑːn); the ञ after ज् becomes [j].
            if c == 'ञ' && i >= 2 && chars[i - 1] == VIRAMA && chars[i - 2] == 'ज' {
                phone = Phone::Y;
            }
            if c == 'ज' && !nukta && j + 1 < n && chars[j] == VIRAMA && chars[j + 1] == 'ञ' {
                phone = Phone::G;
            }
            a.syms.push(Sym::P(phone));
            a.skel.push(skel_consonant(c, nukta));
            if j < n {
                if let Some(m) = matra(chars[j]) {
                    a.syms.extend(m.iter().map(|&p| Sym::P(p)));
                    a.skel.push(chars[j]);
                    j += 1;
                } else if chars[j] == VIRAMA {
                    a.skel.push(VIRAMA);
                    j += 1;
                } else {
                    push_schwa(a, chars.get(j).copied());
                }
            } else {
                push_schwa(a, None);
            }
            i = modifiers(&chars, j, a);
        } else if let Some(v) = vowel_letter(c) {
            a.syms.extend(v.iter().map(|&p| Sym::P(p)));
            a.skel.push(c);
            i = modifiers(&chars, i + 1, a);
        } else if let Some(m) = matra(c) {
            // A lone vowel sign (typo or a fragment): read its vowel.
            a.syms.extend(m.iter().map(|&p| Sym::P(p)));
            a.skel.push(c);
            i = modifiers(&chars, i + 1, a);
        } else if matches!(c, 'ं' | 'ँ' | 'ः' | 'ऀ') {
            i = modifiers(&chars, i, a);
        } else {
            // Nukta without a base, virama alone, digits, Latin, emoji: nothing to say here
            // (the text normalizer spells out what can be spoken).
            i += 1;
        }
    }
    a.skel.push('$');
    a.chars = chars;
}

/// Pushes an inherent schwa: a deletion candidate unless a nasal/visarga sign sits on it
/// (then it is the syllable's nucleus and always spoken).
fn push_schwa(a: &mut Analysis, next: Option<char>) {
    if matches!(next, Some('ं' | 'ँ' | 'ः' | 'ऀ')) {
        a.syms.push(Sym::P(Phone::A));
        a.skel.push(SCHWA_KEPT);
    } else {
        a.cands.push((a.syms.len(), a.skel.len()));
        a.syms.push(Sym::Schwa);
        a.skel.push(SCHWA_UNDECIDED);
    }
}

/// Reads nasal signs and visarga from `j`; returns the index after them.
fn modifiers(chars: &[char], mut j: usize, a: &mut Analysis) -> usize {
    while j < chars.len() {
        let s = match chars[j] {
            'ं' => Sym::Anusvara,
            'ँ' | 'ऀ' => Sym::Chandrabindu,
            'ः' => Sym::Visarga,
            NUKTA => {
                j += 1;
                continue;
            }
            _ => break,
        };
        a.syms.push(s);
        a.skel.push(match s {
            Sym::Anusvara => 'ं',
            Sym::Chandrabindu => 'ँ',
            _ => 'ः',
        });
        j += 1;
    }
    j
}

/// Returns the nasalized form of a vowel (itself if already nasal or not a vowel).
pub(crate) fn nasalize(p: Phone) -> Phone {
    use Phone::*;
    match p {
        A => AN,
        Aa => AaN,
        I => IN,
        Ii => IiN,
        U => UN,
        Uu => UuN,
        E => EN,
        O => ON,
        Ai => AiN,
        Au => AuN,
        other => other,
    }
}

/// Returns the nasal consonant made at the place of `p` (anusvara before a stop).
fn homorganic(p: Phone) -> Phone {
    use Phone::*;
    match p {
        K | Kh | G | Gh | Q | X | Gg => Ng,
        C | Ch | J | Jh => Ny,
        P | Ph | B | Bh | M | V | F => M,
        // Retroflex and dental: SIGMORPHON 2020 writes [n] for both (अंडा ə n ɖ ɑː).
        _ => N,
    }
}

/// Realizes symbols into phones, given the keep/delete decision for each schwa candidate.
pub(crate) fn realize(a: &Analysis, keep: &[bool], out: &mut Vec<Phone>) {
    out.clear();
    let mut cand = 0;
    let syms = &a.syms;
    for (k, s) in syms.iter().enumerate() {
        match *s {
            Sym::P(p) => out.push(p),
            Sym::Schwa => {
                if keep.get(cand).copied().unwrap_or(true) {
                    out.push(Phone::A);
                }
                cand += 1;
            }
            Sym::Chandrabindu => {
                if let Some(last) = out.last_mut() {
                    *last = nasalize(*last);
                }
            }
            Sym::Visarga => {
                if out.last().is_some_and(|p| p.is_vowel()) {
                    out.push(Phone::H);
                }
            }
            Sym::Anusvara => {
                let next = next_phone(syms, k + 1);
                let prev_vowel = out.last().is_some_and(|p| p.is_vowel());
                match next {
                    // After a long vowel, before a semivowel or flap, it nasalizes the
                    // vowel (नींव n ĩː ʋ, गांव ɡ ɑ̃ː ʋ); elsewhere it is a nasal consonant.
                    Some(Phone::Y | Phone::R | Phone::L | Phone::V)
                        if out.last().is_some_and(|p| p.is_vowel() && !matches!(p, Phone::A | Phone::I | Phone::U)) =>
                    {
                        let l = out.len() - 1;
                        out[l] = nasalize(out[l]);
                    }
                    Some(n) if !n.is_vowel() => {
                        // ə ह ं C: the schwa of हं is not spoken and the first ə is [ɛ]
                        // (महंगा m ɛːʱ ŋ ɡ ɑː, अहंकार), as SIGMORPHON writes ə ह ə C.
                        let l = out.len();
                        if l >= 3
                            && out[l - 1] == Phone::A
                            && out[l - 2] == Phone::H
                            && out[l - 3] == Phone::A
                            && is_stop(n)
                        {
                            out.pop();
                        }
                        if prev_vowel || out.is_empty() {
                            out.push(homorganic(n));
                        }
                    }
                    // A final anusvara on the inherent vowel is [m] in the Sanskrit words
                    // that have it (एवं eː ʋ ə m, स्वयं); after other vowels it nasalizes.
                    None if out.last() == Some(&Phone::A)
                        && k > 0
                        && syms[k - 1] == Sym::P(Phone::A)
                        && out.len() > 1 =>
                    {
                        out.push(Phone::M);
                    }
                    _ => {
                        if prev_vowel {
                            let l = out.len() - 1;
                            out[l] = nasalize(out[l]);
                        } else if !out.is_empty() {
                            out.push(Phone::N);
                        }
                    }
                }
            }
        }
    }
    finish(out);
}

/// Returns true for plosives and affricates.
fn is_stop(p: Phone) -> bool {
    matches!(p.class(), crate::phoneme::PhoneClass::Stop | crate::phoneme::PhoneClass::Affricate)
}

/// Returns the first phone from `syms[k..]` (a pending schwa counts as ə).
fn next_phone(syms: &[Sym], k: usize) -> Option<Phone> {
    for s in &syms[k.min(syms.len())..] {
        match *s {
            Sym::P(p) => return Some(p),
            Sym::Schwa => return Some(Phone::A),
            _ => {}
        }
    }
    None
}

/// Applies the word-level conventions of SIGMORPHON 2020 (see `shared/data/g2p/README.md`).
pub(crate) fn finish(out: &mut [Phone]) {
    use Phone::*;
    // Word-final ि/ु are long.
    if let Some(last) = out.last_mut() {
        *last = match *last {
            I => Ii,
            U => Uu,
            IN => IiN,
            UN => UuN,
            other => other,
        };
    }
    // ि before य is long in the SIGMORPHON 2020 notation (नज़रिया n ə z ə ɾ iː j ɑː).
    for i in 1..out.len() {
        if out[i] == Y && out[i - 1] == I {
            out[i - 1] = Ii;
        }
    }
    // ə before a ह that closes its syllable is [ɛ] (पहला p ɛːʱ l ɑː, शहर ʃ ɛːʱ ɾ), except
    // before य (असहयोग ə s əʱ j oː ɡ).
    for i in 1..out.len() {
        if out[i] == H && out[i - 1] == A {
            if let Some(&n) = out.get(i + 1) {
                if !n.is_vowel() && n != Y {
                    out[i - 1] = Ai;
                }
            }
        }
    }
}
