//! floatip: a Pacemaker OCF resource agent for a floating IP address, a
//! native drop-in replacement for `ocf:heartbeat:IPaddr2`.
//!
//! The binary (src/main.rs) is the agent; this library holds its parts so
//! that tools such as the man page generator (examples/man.rs) can use the
//! same definitions.

//!
//! Modules, from the top down; a module uses only modules below it (and
//! every module may use `ocf`). ARCHITECTURE.md says what each owns.

pub mod actions;
pub mod announce;
pub mod cli;
pub mod config;
pub mod env;
pub mod findif;
pub mod metadata;
pub mod net;
pub mod netlink;
pub mod ocf;
pub mod printable;
pub mod state;
pub mod sys;
pub mod wire;
