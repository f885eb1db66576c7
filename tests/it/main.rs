//! Integration tests: one binary, one module per area.

mod common;

mod backend;
mod bulletin;
mod cli;
mod g2p;
mod prosody;
mod render;
mod synth;
mod text;
