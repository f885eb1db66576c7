//! Integration tests, one module per area.

mod g2p;
