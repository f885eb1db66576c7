//! Rendering: a [`Document`](crate::text::Document) → ordered audio, synthesized in
//! parallel (one sentence per rayon task), streamed in input order to a sink (WAV file,
//! playback, bulletin writer).
