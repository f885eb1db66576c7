//! Integration tests: one binary, one module per area.

mod common;

mod text;
mod g2p;
mod prosody;
mod synth;
mod cli;
mod render;
mod bulletin;
