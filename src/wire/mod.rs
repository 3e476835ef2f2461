//! Wire formats: the frames floatip sends and the answers it reads, built
//! and parsed with pnet_packet's layouts (the only module that names it),
//! each beside the RFC section it implements. Pure: no sockets, no state.
//!
//! `arp`, `ndp` and `echo` build; `received` is the one receive path (a
//! frame to a validated message); `golden` tests every form whole, built
//! and read back.

pub mod arp;
pub mod echo;
pub mod ndp;
pub mod received;

#[cfg(test)]
mod golden;
