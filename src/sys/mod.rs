//! The operating system beneath floatip, where nix has no safe API:
//! sockets for frames, the one poll, and processes (fork, keepers,
//! pidfds, /proc). The unsafe code of floatip lives here (but for one
//! strftime call in ocf/log.rs, below everything).

pub mod fallbacks;
pub mod poll;
pub mod process;
pub mod random;
pub mod shared;
pub mod socket;
