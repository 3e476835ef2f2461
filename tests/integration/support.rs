//! The fixtures of tests/support (the floatip-testkit crate), and the
//! binary under test.

use std::path::PathBuf;

pub use testkit::agent::status_within;
pub use testkit::*;

pub fn floatip() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_floatip"))
}
