//! floatip's test fixtures, shared by the integration tests and the
//! benchmark: network namespaces that the tests create and always delete
//! (`netns`), hosts built from them (`hosts`), one builder that runs an
//! agent the way Pacemaker does (`agent`), the lab's plumbing (`lab`: tc
//! loss filters, a neighbour-table monitor), packet captures decoded
//! (`capture`), the stock agents compared with (`stock`), and temporary
//! directories.
//!
//! Only documentation addresses are used (192.0.2.0/24, 198.51.100.0/24,
//! 203.0.113.0/24, 2001:db8::/32), and nothing touches the root namespace.
//! The kernel's state is read back the way an operator would (`ip -j`),
//! never through floatip's own word.

pub mod agent;
pub mod capture;
pub mod hosts;
pub mod lab;
pub mod netns;
pub mod stock;
pub mod tempdir;

pub use agent::{alive, AgentCommand, Run, User, STOCK_AGENT, UNKNOWN_ACTIONS};
pub use hosts::{Lan, Node};
pub use netns::{remove_leftover_namespaces, run_prefix, sh, AddrInfo, Netns};
pub use stock::StockAgent;
pub use tempdir::{AgentLog, TempDir};
