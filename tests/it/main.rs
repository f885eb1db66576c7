//! The one integration-test binary: a module per area.

mod cli;
mod render;
mod bulletin;
