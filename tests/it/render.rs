//! The renderer: order, determinism, exact offsets, pauses, and the atomic WAV writer.

use samachar::render::wav::{to_i16, Overwrite, WavFile};
use samachar::render::{units_from_document, Engine, EngineOptions, Gap, Sink, Tee, Unit, VecSink};
use samachar::synth::Voice;
use samachar::text::{Block, BlockKind, Document, Ending, Sentence, Token};
use samachar::{Error, Result};

fn example_text() -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/articles/mausam.txt");
    std::fs::read_to_string(p).expect("example article")
}

fn engine(rate: f32) -> Engine {
    let voice = Voice::load(Voice::builtin_names()[0]).unwrap();
    Engine::new(&voice, &EngineOptions { rate, ..EngineOptions::default() })
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

fn sentence(text: &str, ending: Ending) -> Sentence {
    let tokens = text.split_whitespace().map(|w| Token::Word(w.to_string())).collect();
    Sentence::new(text, tokens, ending)
}

/// Records every call the renderer makes, and checks that each starts where the
/// previous one ended.
#[derive(Default)]
struct Recorder {
    pos: u64,
    units: Vec<(usize, u64, u64)>,
    silences: Vec<(u64, u64)>,
}

impl Sink for Recorder {
    fn unit(&mut self, index: usize, _: &Unit, start: u64, samples: &[f32]) -> Result<()> {
        assert_eq!(start, self.pos, "unit {index} starts where the output is");
        self.units.push((index, start, samples.len() as u64));
        self.pos += samples.len() as u64;
        Ok(())
    }
    fn silence(&mut self, start: u64, len: u64) -> Result<()> {
        assert_eq!(start, self.pos, "silence starts where the output is");
        self.silences.push((start, len));
        self.pos += len;
        Ok(())
    }
}

/// Fails after receiving `n` units, like a disk filling up.
struct FailAfter(usize);

impl Sink for FailAfter {
    fn unit(&mut self, index: usize, _: &Unit, _: u64, _: &[f32]) -> Result<()> {
        if index >= self.0 {
            return Err(Error::Other("disk full (simulated)".into()));
        }
        Ok(())
    }
    fn silence(&mut self, _: u64, _: u64) -> Result<()> {
        Ok(())
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let text = example_text().repeat(4);
    let units = units_from_document(&samachar::text::parse(&text));
    assert!(units.len() > 20, "enough units to interleave");
    let e = engine(1.0);
    let mut outputs = Vec::new();
    for threads in [1, 2, 3, 5] {
        let mut sink = VecSink::default();
        let r = e.render_in(&pool(threads), &units, &mut sink).unwrap();
        outputs.push((threads, bits(&sink.samples), r.spans));
    }
    let (_, first, spans) = &outputs[0];
    assert!(outputs.len() == 4);
    assert!(!first.is_empty());
    for (threads, samples, s) in &outputs[1..] {
        assert!(samples == first, "{threads} threads gave different samples than 1 thread");
        assert_eq!(s, spans, "{threads} threads gave different spans");
    }
}

#[test]
fn units_arrive_in_input_order_at_their_reported_offsets() {
    let units = units_from_document(&samachar::text::parse(&example_text().repeat(3)));
    let e = engine(1.0);
    let mut rec = Recorder::default();
    let mut all = VecSink::default();
    let r = e.render_in(&pool(3), &units, &mut Tee(&mut rec, &mut all)).unwrap();
    let order: Vec<usize> = rec.units.iter().map(|u| u.0).collect();
    assert_eq!(order, (0..units.len()).collect::<Vec<_>>());
    assert_eq!(r.spans.len(), units.len());
    assert_eq!(r.total_samples, all.samples.len() as u64);
    assert_eq!(rec.pos, r.total_samples);
    let mut audio = 0;
    for (i, (unit, span)) in units.iter().zip(&r.spans).enumerate() {
        assert_eq!((span.start, span.end - span.start), (rec.units[i].1, rec.units[i].2), "unit {i}");
        // The span holds exactly this sentence's own synthesis, to the sample.
        let own = e.synthesize(unit.sentence().unwrap()).unwrap();
        let got = &all.samples[span.start as usize..span.end as usize];
        assert!(bits(got) == bits(&own), "unit {i}: samples at its span are not its own");
        // The pause after it is silent and as long as its gap says.
        assert_eq!(span.gap_end - span.end, e.gap_samples(unit.gap()), "unit {i} gap");
        assert!(all.samples[span.end as usize..span.gap_end as usize].iter().all(|&x| x == 0.0));
        if i + 1 < r.spans.len() {
            assert_eq!(span.gap_end, r.spans[i + 1].start);
        }
        audio += span.end - span.start;
    }
    assert_eq!(r.audio_samples, audio);
    assert_eq!(r.spans.last().unwrap().gap_end, r.total_samples);
}

#[test]
fn offsets_match_the_samples_in_the_written_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.wav");
    let units = units_from_document(&samachar::text::parse(&example_text()));
    let e = engine(1.0);
    let mut wav = WavFile::create(&path, e.sample_rate(), Overwrite::Refuse).unwrap();
    let mut mem = VecSink::default();
    let r = e.render(&units, &mut Tee(&mut wav, &mut mem)).unwrap();
    wav.commit().unwrap();
    let mut reader = hound::WavReader::open(&path).unwrap();
    let pcm: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(pcm.len() as u64, r.total_samples);
    let expect: Vec<i16> = mem.samples.iter().map(|&x| to_i16(x)).collect();
    assert!(pcm == expect, "WAV samples differ from the rendered samples");
    for s in &r.spans {
        assert!(pcm[s.end as usize..s.gap_end as usize].iter().all(|&x| x == 0));
    }
}

#[test]
fn structural_pauses_are_ordered_and_scale_with_rate() {
    let (e1, e2) = (engine(1.0), engine(2.0));
    let order = [Gap::None, Gap::Comma, Gap::Sentence, Gap::Paragraph, Gap::Heading, Gap::Article];
    for w in order.windows(2) {
        assert!(e1.gap_samples(w[0]) < e1.gap_samples(w[1]), "{:?} < {:?}", w[0], w[1]);
    }
    for g in order {
        let (a, b) = (e1.gap_samples(g) as i64, e2.gap_samples(g) as i64);
        assert!((a - 2 * b).abs() <= 1, "{g:?}: {a} at rate 1, {b} at rate 2");
    }
}

#[test]
fn document_structure_sets_the_gaps() {
    let doc = Document {
        blocks: vec![
            Block { kind: BlockKind::Heading, sentences: vec![sentence("समाचार", Ending::None)] },
            Block {
                kind: BlockKind::Paragraph,
                sentences: vec![
                    sentence("कमल तालाब", Ending::Continuation),
                    sentence("में है।", Ending::Statement),
                    sentence("नमक सस्ता है?", Ending::Question),
                ],
            },
            Block { kind: BlockKind::Paragraph, sentences: vec![sentence("नमस्ते।", Ending::Statement)] },
        ],
    };
    let gaps: Vec<Gap> = units_from_document(&doc).iter().map(Unit::gap).collect();
    assert_eq!(gaps, [Gap::Heading, Gap::Comma, Gap::Sentence, Gap::Paragraph, Gap::None]);
    assert!(units_from_document(&Document::default()).is_empty());
}

#[test]
fn ready_made_audio_is_written_verbatim_between_sentences() {
    let e = engine(1.0);
    let chime: Vec<f32> = (0..441).map(|i| ((i as f32) * 0.1).sin() * 0.25).collect();
    let units = vec![
        Unit::Sentence {
            sentence: sentence("नमस्ते कमला।", Ending::Statement), gap: Gap::Sentence
        },
        Unit::Audio { samples: chime.clone().into(), gap: Gap::Article },
        Unit::Sentence {
            sentence: sentence("कमल तालाब में है।", Ending::Statement), gap: Gap::None
        },
    ];
    let mut sink = VecSink::default();
    let r = e.render_in(&pool(2), &units, &mut sink).unwrap();
    let s = r.spans[1];
    assert_eq!(s.end - s.start, chime.len() as u64);
    assert!(bits(&sink.samples[s.start as usize..s.end as usize]) == bits(&chime));
    assert_eq!(s.gap_end - s.end, e.gap_samples(Gap::Article));
}

#[test]
fn a_failing_render_leaves_no_wav_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("speech.wav");
    let units = units_from_document(&samachar::text::parse(&example_text()));
    assert!(units.len() > 3);
    let e = engine(1.0);
    let mut wav = WavFile::create(&path, e.sample_rate(), Overwrite::Refuse).unwrap();
    let err = e.render_in(&pool(2), &units, &mut Tee(&mut wav, FailAfter(3))).unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    drop(wav);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|d| d.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn commit_never_replaces_a_file_that_appeared_during_the_render() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("speech.wav");
    let mut wav = WavFile::create(&path, 22_050, Overwrite::Refuse).unwrap();
    wav.write(&[0.1, 0.2, -0.3]).unwrap();
    std::fs::write(&path, b"someone else's file").unwrap();
    match wav.commit() {
        Err(Error::OutputExists { path: p }) => assert_eq!(p, path),
        other => panic!("expected OutputExists, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"someone else's file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "temporary file removed");
}

#[test]
fn replace_policy_overwrites_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("speech.wav");
    std::fs::write(&path, b"old").unwrap();
    assert!(matches!(WavFile::create(&path, 22_050, Overwrite::Refuse), Err(Error::OutputExists { .. })));
    let mut wav = WavFile::create(&path, 24_000, Overwrite::Replace).unwrap();
    wav.write(&[0.5; 10]).unwrap();
    wav.write_silence(5).unwrap();
    wav.commit().unwrap();
    let r = hound::WavReader::open(&path).unwrap();
    assert_eq!((r.spec().sample_rate, r.len()), (24_000, 15));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn samples_convert_to_pcm_by_rounding_and_clamping() {
    assert_eq!(to_i16(0.0), 0);
    assert_eq!(to_i16(1.0), 32767);
    assert_eq!(to_i16(-1.0), -32767);
    assert_eq!(to_i16(3.0), 32767);
    assert_eq!(to_i16(-3.0), -32768);
    assert_eq!(to_i16(f32::NAN), 0);
    assert_eq!(to_i16(f32::INFINITY), 32767);
    // Rounding to nearest, not truncation: 0.6 of a step is one step; ties go to even.
    assert_eq!(to_i16(1.5 / 32767.0), 2);
    assert_eq!(to_i16(2.5 / 32767.0), 2);
    assert_eq!(to_i16(0.6 / 32767.0), 1);
    assert_eq!(to_i16(-0.6 / 32767.0), -1);
    assert_eq!(to_i16(0.4 / 32767.0), 0);
}

#[test]
fn extra_chunks_follow_the_data_and_the_riff_size_covers_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cue.wav");
    let mut wav = WavFile::create(&path, 22_050, Overwrite::Refuse).unwrap();
    wav.write(&[0.25; 100]).unwrap();
    // One cue point (24 bytes) and an odd-sized chunk that needs a pad byte.
    let mut cue = 1u32.to_le_bytes().to_vec();
    cue.extend_from_slice(&[0u8; 24]);
    wav.add_chunk(*b"cue ", cue.clone());
    wav.add_chunk(*b"note", b"abc".to_vec());
    wav.commit().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff, bytes.len() - 8);
    // Walk the chunks after "WAVE".
    let (mut at, mut ids) = (12, Vec::new());
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if id == b"cue " {
            assert_eq!(&bytes[at + 8..at + 8 + len], &cue[..]);
        }
        ids.push(String::from_utf8_lossy(id).into_owned());
        at += 8 + len + len % 2;
    }
    assert_eq!(at, bytes.len());
    assert_eq!(ids, ["fmt ", "data", "cue ", "note"]);
    let r = hound::WavReader::open(&path).unwrap();
    assert_eq!(r.len(), 100);
}

/// Regression: when the writer had written everything spawned so far, the loop waited for
/// a result instead of spawning more, and hung (seen with a fast writer in release builds).
#[test]
fn writer_catching_up_with_all_spawned_work_does_not_hang() {
    let e = engine(1.0);
    // Ready-made audio needs no task, so the writer always catches up at once; and
    // sentences mixed in at wide intervals.
    let mut units: Vec<Unit> =
        (0..200).map(|i| Unit::Audio { samples: vec![i as f32 / 400.0; 3].into(), gap: Gap::None }).collect();
    for i in (0..200).step_by(37) {
        units[i] = Unit::Sentence {
            sentence: sentence("नमस्ते कमला।", Ending::Statement), gap: Gap::Sentence
        };
    }
    for threads in [1, 2] {
        let (tx, rx) = std::sync::mpsc::channel();
        let (e, units) = (e.clone(), units.clone());
        std::thread::spawn(move || {
            let mut sink = VecSink::default();
            let r = e.render_in(&pool(threads), &units, &mut sink).map(|r| r.spans.len());
            let _ = tx.send(r);
        });
        // A hang is the failure this guards against: give up after a generous wait.
        let got = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("renderer hung");
        assert_eq!(got.unwrap(), 200);
    }
}

#[test]
fn memory_holds_a_bounded_window_of_sentences() {
    let units = units_from_document(&samachar::text::parse(&example_text().repeat(6)));
    let e = engine(1.0);
    for threads in [1, 2, 3] {
        let r = e.render_in(&pool(threads), &units, &mut VecSink::default()).unwrap();
        assert!(units.len() > 5 * 4 * threads, "{} units", units.len());
        assert!(r.peak_in_flight >= 1);
        assert!(r.peak_in_flight <= 4 * threads.max(1), "{threads} threads: {} in flight", r.peak_in_flight);
    }
}
