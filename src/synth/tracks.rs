//! Parameter tracks: timed phones + pitch → synthesizer frames every [`FRAME`] seconds.
//!
//! Two timelines are built from the utterance:
//! - formant targets (one span per phone; a stop's span ends at its release, so the formant
//!   transitions toward the next vowel run through the burst and aspiration, as in speech),
//!   joined by locus-style transitions whose boundary value and duration come from the more
//!   dominant (more constricted) phone of each pair (Holmes-style table-driven synthesis);
//! - source events (voicing, aspiration, frication, burst, murmur), averaged over each frame
//!   so short bursts keep their energy, then interpolated per sample by the synthesizer.

use crate::phoneme::Phone;
use crate::prosody::Utterance;

use super::phonemes::{table, Kind, Noise, PhoneSpec, Release};
use super::voice::Voice;

/// Frame period in seconds.
pub const FRAME: f32 = 0.005;

/// Synthesizer parameters at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Frame {
    /// Formant frequencies F1..F8 in Hz (F7, F8: fixed higher poles).
    pub f: [f32; 8],
    /// Cascade bandwidths B1..B8 in Hz.
    pub b: [f32; 8],
    /// Nasal pole and zero in Hz.
    pub fnp: f32,
    /// Nasal zero in Hz.
    pub fnz: f32,
    /// Voicing amplitude (linear, 1 = vowel).
    pub av: f32,
    /// Aspiration amplitude (linear).
    pub ah: f32,
    /// Frication amplitude (linear).
    pub af: f32,
    /// Parallel amplitudes A2..A6 and bypass AB (linear).
    pub par: [f32; 6],
    /// Open quotient.
    pub oq: f32,
    /// Spectral tilt in dB at 3 kHz.
    pub tilt_db: f32,
    /// F0 in Hz.
    pub f0: f32,
}

/// Returns a linear amplitude for a level in dB where 60 dB = 1.0 (Klatt's scale); 0 = off.
fn db60(db: f32) -> f32 {
    if db <= 0.0 {
        0.0
    } else {
        10f32.powf((db - 60.0) / 20.0)
    }
}

/// Returns a linear amplitude for dB relative to a vowel.
fn rel(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

#[derive(Debug, Clone, Copy)]
struct FSpan {
    start: f32,
    end: f32,
    /// F1..F4 (None = transparent: take the neighbour's).
    f: Option<[f32; 4]>,
    b: [f32; 3],
    fnp: f32,
    fnz: f32,
    dom: f32,
    mix: f32,
    trans: f32,
}

#[derive(Debug, Clone, Copy, Default)]
struct SEvent {
    start: f32,
    end: f32,
    av: f32,
    ah: f32,
    af: f32,
    par: [f32; 6],
    oq_add: f32,
    tilt_add: f32,
}

const F4_DEFAULT: f32 = 3300.0; // K80 default F4
const F5: f32 = 3850.0; // K80 default F5 (3750-3850)
const F6: f32 = 4900.0; // K80 default F6
const F7: f32 = 5900.0; // uniform-tube spacing ~1 kHz above F6 (Fant 1960)
const F8: f32 = 7000.0;
const NEUTRAL: [f32; 4] = [500.0, 1500.0, 2500.0, F4_DEFAULT]; // uniform tube (K80 schwa)

fn dominance(k: Kind) -> f32 {
    match k {
        Kind::Vowel => 1.0,
        Kind::Glide | Kind::Lateral | Kind::Nasal | Kind::Flap => 2.0,
        Kind::Fricative | Kind::Stop | Kind::Affricate => 3.0,
        Kind::Breathy => 0.0,
    }
}

fn default_b(k: Kind) -> [f32; 3] {
    match k {
        // K80: consonant constrictions widen B1.
        Kind::Stop | Kind::Affricate | Kind::Fricative => [90.0, 110.0, 170.0],
        _ => [70.0, 100.0, 150.0],
    }
}

fn par_amps(n: &Noise) -> ([f32; 6], f32) {
    let mut p = [0.0; 6];
    for (pi, &a) in p.iter_mut().zip(&n.a) {
        *pi = db60(a);
    }
    p[5] = db60(n.ab);
    (p, db60(n.af))
}

/// Builds the frames of an utterance for a voice.
pub fn frames(utt: &Utterance, voice: &Voice) -> Vec<Frame> {
    let tab = table();
    let segs = &utt.segments;
    let total: f32 = segs.iter().map(|s| s.duration.max(0.0)).sum();
    let mut fspans: Vec<FSpan> = Vec::with_capacity(segs.len() + 1);
    let mut events: Vec<SEvent> = Vec::with_capacity(segs.len() * 3);

    let mut t = 0.0f32;
    // When a stop releases, the next formant span starts at the release instead of at the
    // stop's end: `carry` holds that earlier start.
    let mut carry: Option<f32> = None;
    for (i, seg) in segs.iter().enumerate() {
        let d = seg.duration.max(0.0);
        let start = t;
        let end = t + d;
        t = end;
        let fstart = carry.take().unwrap_or(start);
        let Some(p) = seg.phone else {
            fspans.push(FSpan {
                start: fstart,
                end,
                f: None,
                b: [80.0, 100.0, 150.0],
                fnp: 270.0,
                fnz: 270.0,
                dom: 0.0,
                mix: 0.5,
                trans: 0.03,
            });
            events.push(SEvent { start, end, ..Default::default() });
            continue;
        };
        let s = tab.get(p);
        let next = segs.get(i + 1).and_then(|n| n.phone);
        let geminate_first = next == Some(p);
        let f4 = s.f4.unwrap_or(F4_DEFAULT);
        let fs = Some([s.f[0], s.f[1], s.f[2], f4]);
        let b = s.b.unwrap_or(default_b(s.class));
        let span = |start: f32, end: f32, f: Option<[f32; 4]>| FSpan {
            start,
            end,
            f,
            b,
            fnp: s.fnp.unwrap_or(270.0),
            fnz: s.fnz.unwrap_or(270.0),
            dom: dominance(s.class),
            mix: s.mix.unwrap_or(0.5),
            trans: s.trans_ms.unwrap_or(30.0) / 1000.0,
        };
        match s.class {
            Kind::Vowel if s.fnz.is_some() => {
                // Nasal vowels: nasal coupling grows through the vowel (anticipatory velum
                // lowering; CH91), so the first part is oral and the rest fully nasal with a
                // weaker, wider F1.
                let mid = fstart + 0.35 * (end - fstart);
                let mut oral = span(fstart, mid, fs);
                oral.fnp = 270.0;
                oral.fnz = 270.0;
                oral.b = b.map(|x| x.min(90.0));
                fspans.push(oral);
                fspans.push(span(mid, end, fs));
                events.push(SEvent { start, end: mid.max(start), av: 1.0, ..Default::default() });
                events.push(SEvent { start: mid.max(start), end, av: rel(-2.0), ..Default::default() });
            }
            Kind::Vowel | Kind::Nasal | Kind::Lateral | Kind::Glide => {
                fspans.push(span(fstart, end, fs));
                events.push(SEvent { start, end, av: rel(s.av_db.unwrap_or(0.0)), ..Default::default() });
            }
            Kind::Breathy => {
                fspans.push(span(fstart, end, None));
                events.push(SEvent {
                    start,
                    end,
                    av: rel(s.av_db.unwrap_or(-10.0)),
                    ah: db60(s.ah_db.unwrap_or(54.0)),
                    oq_add: 0.25,  // KG90: breathy phonation raises the open quotient
                    tilt_add: 8.0, // KG90: and the spectral tilt
                    ..Default::default()
                });
            }
            Kind::Fricative => {
                fspans.push(span(fstart, end, fs));
                let (par, af) = par_amps(&s.fric.unwrap_or_default());
                let av = s.av_db.map(rel).unwrap_or(0.0);
                events.push(SEvent { start, end, av, af, par, ..Default::default() });
            }
            Kind::Flap => {
                let release = s.release.unwrap_or_default();
                let tap_total = if release == Release::Breathy {
                    // The tap takes at most 60% of the phone and at least 15 ms, unless the
                    // whole phone is shorter than 25 ms (fast speech): then the 60% wins
                    // (a floor above the ceiling would make `clamp` panic).
                    let hi = d * 0.6;
                    (d - s.vot_ms.unwrap_or(0.0) / 1000.0).clamp(0.015f32.min(hi), hi)
                } else {
                    d
                };
                fspans.push(span(fstart, end, fs));
                // A tap: r-coloured vocoid, a brief contact (voicing drops), vocoid again,
                // so the contact is heard even next to a consonant or before silence
                // (OH83: Hindi r is a tap, often with a vocalic element in clusters).
                let (a, b) = (start + 0.35 * tap_total, start + 0.7 * tap_total);
                events.push(SEvent { start, end: a, av: rel(-3.0), ..Default::default() });
                events.push(SEvent { start: a, end: b, av: rel(s.av_db.unwrap_or(-12.0)), ..Default::default() });
                events.push(SEvent { start: b, end: start + tap_total, av: rel(-3.0), ..Default::default() });
                if tap_total < d {
                    events.push(breathy_murmur(start + tap_total, end, s));
                }
            }
            Kind::Stop | Kind::Affricate => {
                stop_events(s, fstart, start, end, geminate_first, fs, &span, &mut fspans, &mut events, &mut carry);
            }
        }
    }
    // Resolve transparent spans (silence, ɦ) to the next span with formants, else the previous.
    let n = fspans.len();
    let mut resolved: Vec<[f32; 4]> = vec![NEUTRAL; n];
    let mut next_f: Option<[f32; 4]> = None;
    for i in (0..n).rev() {
        if let Some(f) = fspans[i].f {
            next_f = Some(f);
        }
        resolved[i] = fspans[i].f.or(next_f).unwrap_or(NEUTRAL);
    }
    let mut prev_f: Option<[f32; 4]> = None;
    for i in 0..n {
        if fspans[i].f.is_some() {
            prev_f = fspans[i].f;
        } else if next_after(&fspans, i).is_none() {
            resolved[i] = prev_f.unwrap_or(NEUTRAL);
        }
    }

    // Microprosody: F0 starts higher after voiceless obstruents and lower after voiced and
    // breathy-voiced ones, decaying over ~40 ms into the vowel (Lehiste & Peterson 1961;
    // Hindi breathy stops lower onset F0, Kagaya & Hirose 1975).
    let mut bumps: Vec<(f32, f32)> = Vec::new();
    {
        let mut t = 0.0;
        for seg in segs {
            t += seg.duration.max(0.0);
            if let Some(p) = seg.phone {
                let s = tab.get(p);
                let k = match (s.class, s.release) {
                    (Kind::Stop | Kind::Affricate, Some(Release::Unaspirated | Release::Aspirated)) => 0.06,
                    (Kind::Stop | Kind::Affricate, Some(Release::Voiced)) => -0.03,
                    (_, Some(Release::Breathy)) | (Kind::Breathy, _) => -0.07,
                    (Kind::Fricative, _) if s.av_db.is_none() => 0.04,
                    _ => 0.0,
                };
                if k != 0.0 {
                    bumps.push((t, k));
                }
            }
        }
    }
    let mut bi = 0usize;

    let scale = voice.formant_scale;
    let bscale = voice.bandwidth_scale;
    let nframes = (total / FRAME).ceil() as usize + 2;
    let mut out = Vec::with_capacity(nframes);
    let mut si = 0usize; // formant span index
    let mut ei = 0usize; // event index
    let mut pi = 0usize; // pitch target index
    for k in 0..nframes {
        let tf = k as f32 * FRAME;
        while si + 1 < n && fspans[si].end <= tf {
            si += 1;
        }
        let mut fr = Frame::default();
        if n > 0 {
            let (f, bw, fnp, fnz) = formants_at(&fspans, &resolved, si, tf);
            for (d, &x) in fr.f.iter_mut().zip(&f) {
                *d = x * scale;
            }
            fr.f[4] = F5 * scale;
            fr.f[5] = F6 * scale;
            // Higher poles of the tract (~1 per kHz for a 17 cm tract, Fant 1960): without
            // them an all-pole cascade falls far too steeply above 4 kHz.
            fr.f[6] = F7 * scale;
            fr.f[7] = F8 * scale;
            for (d, &x) in fr.b.iter_mut().zip(&bw) {
                *d = x * bscale;
            }
            fr.b[3] = 250.0 * bscale; // K80 B4
            fr.b[4] = 200.0 * bscale; // K80 B5
            fr.b[5] = 350.0 * bscale; // narrower than K80 B6 (1000): a real F6 peak
            fr.b[6] = 450.0 * bscale;
            fr.b[7] = 600.0 * bscale;
            fr.fnp = fnp * scale.sqrt(); // nasal cavity scales less than the oral tract
            fr.fnz = fnz * scale.sqrt();
        } else {
            fr.f = [NEUTRAL[0], NEUTRAL[1], NEUTRAL[2], NEUTRAL[3], F5, F6, F7, F8];
            fr.b = [80.0, 100.0, 150.0, 250.0, 200.0, 1000.0, 1000.0, 1200.0];
            fr.fnp = 270.0;
            fr.fnz = 270.0;
        }
        // Source: average of the events over [tf - F/2, tf + F/2].
        let (lo, hi) = (tf - 0.5 * FRAME, tf + 0.5 * FRAME);
        while ei < events.len() && events[ei].end <= lo {
            ei += 1;
        }
        let mut j = ei;
        let mut oq_add = 0.0;
        let mut tilt_add = 0.0;
        while j < events.len() && events[j].start < hi {
            let e = &events[j];
            let w = (e.end.min(hi) - e.start.max(lo)).max(0.0) / FRAME;
            fr.av += w * e.av;
            fr.ah += w * e.ah;
            fr.af += w * e.af;
            for q in 0..6 {
                fr.par[q] += w * e.par[q];
            }
            oq_add += w * e.oq_add;
            tilt_add += w * e.tilt_add;
            j += 1;
        }
        fr.oq = (voice.open_quotient + oq_add).min(0.95);
        fr.tilt_db = voice.spectral_tilt_db + tilt_add;
        // F0: linear interpolation of the pitch targets.
        let p = &utt.pitch;
        fr.f0 = if p.is_empty() {
            voice.pitch_hz
        } else {
            while pi + 1 < p.len() && p[pi + 1].time <= tf {
                pi += 1;
            }
            if tf <= p[0].time {
                p[0].hz
            } else if pi + 1 >= p.len() {
                p[p.len() - 1].hz
            } else {
                let (a, b) = (p[pi], p[pi + 1]);
                let u = if b.time > a.time { (tf - a.time) / (b.time - a.time) } else { 1.0 };
                a.hz + (b.hz - a.hz) * u.clamp(0.0, 1.0)
            }
        }
        .clamp(40.0, 600.0);
        while bi < bumps.len() && bumps[bi].0 + 0.15 < tf {
            bi += 1;
        }
        let mut m = 1.0;
        for &(tb, k) in &bumps[bi..] {
            if tb > tf {
                break;
            }
            m += k * (-(tf - tb) / 0.04).exp();
        }
        fr.f0 *= m;
        out.push(fr);
    }
    smooth_formants(&mut out);
    soften_voicing_onsets(&mut out);
    out
}

/// Silence needed before a voicing onset for it to count as phrase-initial.
const ONSET_AFTER_SILENCE: f32 = 0.04;
/// Rise time of voicing amplitude at a phrase-initial onset.
const ONSET_RISE: f32 = 0.025;

/// Makes voicing that starts out of silence (the start of an utterance, or after a pause)
/// rise over ~25 ms instead of in one frame: the vocal folds take a few cycles to reach full
/// amplitude at a phrase-initial onset (a gradual attack, Titze 1994 "Principles of Voice
/// Production" ch. 10), and an abrupt one sounds like a stop burst (an initial म heard as क्म).
/// Onsets after a stop release are untouched: there the burst and aspiration frames come
/// first, so the frames before the onset are not silent.
fn soften_voicing_onsets(fr: &mut [Frame]) {
    let need = (ONSET_AFTER_SILENCE / FRAME).round() as usize;
    let rise = (ONSET_RISE / FRAME).round() as usize;
    let silent = |f: &Frame| f.av <= 0.0 && f.ah <= 0.0 && f.af <= 0.0 && f.par.iter().all(|&p| p <= 0.0);
    // The utterance start counts as silence.
    let mut quiet = need;
    let mut i = 0;
    while i < fr.len() {
        if silent(&fr[i]) {
            quiet += 1;
            i += 1;
            continue;
        }
        if quiet >= need && fr[i].av > 0.0 {
            for k in 0..rise.min(fr.len() - i) {
                fr[i + k].av *= (k + 1) as f32 / (rise + 1) as f32;
            }
            i += rise;
        } else {
            i += 1;
        }
        quiet = 0;
    }
}

fn next_after(spans: &[FSpan], i: usize) -> Option<usize> {
    (i + 1..spans.len()).find(|&j| spans[j].f.is_some())
}

fn breathy_murmur(start: f32, end: f32, s: &PhoneSpec) -> SEvent {
    SEvent {
        start,
        end,
        av: rel(-6.0), // KG90/DX89: weakened voicing during murmur
        ah: db60(s.ah_db.unwrap_or(52.0)),
        oq_add: 0.3,    // KG90: breathy OQ ~0.8-0.9
        tilt_add: 10.0, // KG90: steeper tilt
        ..Default::default()
    }
}

#[allow(clippy::too_many_arguments)]
fn stop_events(
    s: &PhoneSpec,
    fstart: f32,
    start: f32,
    end: f32,
    geminate_first: bool,
    fs: Option<[f32; 4]>,
    span: &dyn Fn(f32, f32, Option<[f32; 4]>) -> FSpan,
    fspans: &mut Vec<FSpan>,
    events: &mut Vec<SEvent>,
    carry: &mut Option<f32>,
) {
    let d = end - start;
    let release = s.release.unwrap_or_default();
    let voiced_closure = matches!(release, Release::Voiced | Release::Breathy);
    // Voice bar: weak voicing, strongly low-passed (only the fundamental radiates through
    // the closed tract walls, K80).
    let closure_ev = |a: f32, b: f32| SEvent {
        start: a,
        end: b,
        av: if voiced_closure { rel(s.av_db.unwrap_or(-22.0)) } else { 0.0 },
        tilt_add: 24.0,
        ..Default::default()
    };
    if geminate_first {
        // First half of a geminate: closure only; the second phone releases.
        fspans.push(span(fstart, end, fs));
        events.push(closure_ev(start, end));
        return;
    }
    let mut burst = s.burst_ms.unwrap_or(6.0) / 1000.0;
    let mut vot = s.vot_ms.unwrap_or(15.0) / 1000.0;
    // Fast speech compresses the closure first, then the release.
    let max_rel = 0.75 * d;
    if burst + vot > max_rel {
        let k = max_rel / (burst + vot);
        burst *= k;
        vot *= k;
    }
    let rel_t = end - burst - vot;
    fspans.push(span(fstart, rel_t, fs));
    *carry = Some(rel_t);
    events.push(closure_ev(start, rel_t));
    let (par, af) = par_amps(&s.burst.unwrap_or_default());
    // Voiced stops keep voicing through the burst; voiceless ones are silent but for noise.
    let burst_av = if voiced_closure { rel(-10.0) } else { 0.0 };
    events.push(SEvent { start: rel_t, end: rel_t + burst, av: burst_av, af, par, ..Default::default() });
    let b_end = rel_t + burst;
    match release {
        Release::Unaspirated => {
            // Short-lag VOT: weak aspiration as the glottis adducts (K80 AH ~ 40-45 dB).
            events.push(SEvent { start: b_end, end, ah: db60(42.0), ..Default::default() });
        }
        Release::Aspirated => {
            events.push(SEvent { start: b_end, end, ah: db60(s.ah_db.unwrap_or(56.0)), ..Default::default() });
        }
        Release::Voiced => {
            events.push(SEvent { start: b_end, end, av: rel(-3.0), ..Default::default() });
        }
        Release::Breathy => {
            events.push(breathy_murmur(b_end, end, s));
        }
    }
}

/// Smooth step 0→1.
#[inline]
fn smooth(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Boundary between spans a and b: (values at the boundary, transition time inside a, inside b).
fn boundary(a: &FSpan, fa: [f32; 4], b: &FSpan, fb: [f32; 4]) -> ([f32; 4], [f32; 3], f32, f32, f32, f32) {
    use std::array::from_fn;
    // The dominant span's values, moved `mix` of the way toward the other's.
    let toward = |from: &[f32], to: &[f32], m: f32, j: usize| from[j] + m * (to[j] - from[j]);
    let (v, bw): ([f32; 4], [f32; 3]);
    let (ta, tb);
    if a.dom > b.dom {
        v = from_fn(|j| toward(&fa, &fb, a.mix, j));
        bw = from_fn(|j| toward(&a.b, &b.b, a.mix, j));
        ta = 0.01;
        tb = a.trans;
    } else if b.dom > a.dom {
        v = from_fn(|j| toward(&fb, &fa, b.mix, j));
        bw = from_fn(|j| toward(&b.b, &a.b, b.mix, j));
        ta = b.trans;
        tb = 0.01;
    } else {
        v = from_fn(|j| 0.5 * (fa[j] + fb[j]));
        bw = from_fn(|j| 0.5 * (a.b[j] + b.b[j]));
        let tr = 0.5 * a.trans.max(b.trans);
        ta = tr;
        tb = tr;
    }
    // Nasal coupling changes quickly (velum), mean at the boundary.
    (v, bw, 0.5 * (a.fnp + b.fnp), 0.5 * (a.fnz + b.fnz), ta, tb)
}

fn formants_at(spans: &[FSpan], res: &[[f32; 4]], i: usize, t: f32) -> ([f32; 4], [f32; 3], f32, f32) {
    let s = &spans[i];
    let target = res[i];
    let mut f = target;
    let mut bw = s.b;
    let mut fnp = s.fnp;
    let mut fnz = s.fnz;
    let dur = (s.end - s.start).max(1e-4);
    let left = if i > 0 { Some(boundary(&spans[i - 1], res[i - 1], s, target)) } else { None };
    let right = if i + 1 < spans.len() { Some(boundary(s, target, &spans[i + 1], res[i + 1])) } else { None };
    let mut tl = left.map(|l| l.5).unwrap_or(0.0);
    let mut tr = right.map(|r| r.4).unwrap_or(0.0);
    if tl + tr > dur {
        let k = dur / (tl + tr);
        tl *= k;
        tr *= k;
    }
    if let Some((v, b, np, nz, _, _)) = left {
        if tl > 0.0 && t - s.start < tl {
            let w = 1.0 - smooth((t - s.start) / tl);
            for j in 0..4 {
                f[j] += (v[j] - target[j]) * w;
            }
            for j in 0..3 {
                bw[j] += (b[j] - s.b[j]) * w;
            }
            fnp += (np - s.fnp) * w.min(1.0);
            fnz += (nz - s.fnz) * w.min(1.0);
        }
    }
    if let Some((v, b, np, nz, _, _)) = right {
        if tr > 0.0 && s.end - t < tr {
            let w = 1.0 - smooth((s.end - t) / tr);
            for j in 0..4 {
                f[j] += (v[j] - target[j]) * w;
            }
            for j in 0..3 {
                bw[j] += (b[j] - s.b[j]) * w;
            }
            fnp += (np - s.fnp) * w;
            fnz += (nz - s.fnz) * w;
        }
    }
    (f, bw, fnp, fnz)
}

/// Smooths formant tracks with a short [1 2 1]/4 filter (removes corners between spans).
fn smooth_formants(fr: &mut [Frame]) {
    if fr.len() < 3 {
        return;
    }
    let mut prev = fr[0];
    for k in 1..fr.len() - 1 {
        let cur = fr[k];
        let next = fr[k + 1];
        for j in 0..4 {
            fr[k].f[j] = 0.25 * prev.f[j] + 0.5 * cur.f[j] + 0.25 * next.f[j];
        }
        prev = cur;
    }
}

/// Returns the phone's spec (for prosody's intrinsic durations).
pub fn spec(p: Phone) -> &'static PhoneSpec {
    table().get(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voiced() -> Frame {
        Frame { av: 1.0, ..Frame::default() }
    }

    #[test]
    fn voicing_out_of_silence_rises_but_after_a_burst_starts_at_once() {
        // 10 silent frames, then voicing: a gradual rise from the first voiced frame.
        let mut a: Vec<Frame> = (0..10).map(|_| Frame::default()).chain((0..10).map(|_| voiced())).collect();
        soften_voicing_onsets(&mut a);
        assert!(a[10].av < 0.3, "first voiced frame after silence: {}", a[10].av);
        assert!(a[10].av < a[11].av && a[11].av < a[12].av, "voicing must rise");
        assert_eq!(a[19].av, 1.0, "full amplitude after the rise");
        // A stop: closure (silent), a burst frame, then voicing: the onset stays abrupt.
        let burst = Frame { af: 0.5, ..Frame::default() };
        let mut b: Vec<Frame> =
            (0..10).map(|_| Frame::default()).chain(std::iter::once(burst)).chain((0..10).map(|_| voiced())).collect();
        soften_voicing_onsets(&mut b);
        assert_eq!(b[11].av, 1.0, "voicing after a release burst must not be softened");
    }
}
