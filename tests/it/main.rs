//! Integration tests: one binary, one module per area.

mod common;

mod backend;
mod bulletin;
mod cli;
mod encode;
mod fuzz;
mod g2p;
mod messages;
#[cfg(feature = "neural")]
mod neural;
mod podcast;
mod prosody;
mod render;
mod serve;
mod serve_bulletins;
mod serve_faults;
mod serve_load;
mod serve_page;
mod serve_wyoming;
mod ssml;
mod synth;
mod text;
mod words;
