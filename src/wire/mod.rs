//! Wire formats: the frames floatip sends and the answers it reads, built
//! and parsed with pnet_packet's layouts (the only module that names it),
//! each beside the RFC section it implements. Pure: no sockets, no state.

pub mod arp;
pub mod echo;
pub mod ndp;
pub mod received;
