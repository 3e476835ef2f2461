//! Hosts built from namespaces: a [`Node`] with the interfaces ocft's
//! configs expect, and a [`Lan`] of hosts on one bridge.

use std::path::Path;

use crate::agent::{AgentCommand, Run};
use crate::netns::Netns;
use crate::tempdir::TempDir;

/// A node with the interfaces resource-agents' ocft configs expect: eth0
/// and eth1, each a veth to a peer namespace, both up, lo up.
pub struct Node {
    pub ns: Netns,
    pub peer: Netns,
    pub rsctmp: TempDir,
}

impl Node {
    pub fn new() -> Node {
        let ns = Netns::new();
        let peer = Netns::new();
        ns.veth_to("eth0", &peer, "eth0");
        ns.veth_to("eth1", &peer, "eth1");
        Node {
            ns,
            peer,
            rsctmp: TempDir::new(),
        }
    }

    /// A node whose eth0 carries the base address 192.0.2.1/24.
    pub fn with_base() -> Node {
        let node = Node::new();
        node.ns.ip(&[
            "addr",
            "add",
            "192.0.2.1/24",
            "brd",
            "192.0.2.255",
            "dev",
            "eth0",
        ]);
        node
    }

    /// `agent action` in this node's namespace, with its HA_RSCTMP: add
    /// parameters and run.
    pub fn agent(&self, agent: &Path, action: &str) -> AgentCommand {
        AgentCommand::new(agent, action)
            .in_namespace(&self.ns)
            .rsctmp(self.rsctmp.path())
    }

    /// Runs `agent action` here with these parameters (`OCF_`/`HA_` names
    /// as they are, others as OCF_RESKEY_).
    pub fn run(&self, agent: &Path, action: &str, params: &[(&str, &str)]) -> Run {
        self.agent(agent, action).params(params).run()
    }

    /// The same with stdio on /dev/null; the exit code.
    pub fn run_quietly(&self, agent: &Path, action: &str, params: &[(&str, &str)]) -> i32 {
        self.agent(agent, action).params(params).quiet().status()
    }
}

/// Hosts on one Ethernet segment: a bridge in its own namespace, and each
/// host's eth0 a veth port of it, with `192.0.2.<n>/24` as base address.
pub struct Lan {
    pub hosts: Vec<Netns>,
    /// Holds the bridge; dropped (deleted) with the LAN.
    _switch: Netns,
    pub rsctmp: Vec<TempDir>,
}

impl Lan {
    pub fn new(host_numbers: &[u8]) -> Lan {
        let switch = Netns::new();
        switch.ip(&["link", "add", "br0", "type", "bridge"]);
        switch.ip(&["link", "set", "br0", "up"]);
        let mut hosts = Vec::new();
        let mut rsctmp = Vec::new();
        for (i, n) in host_numbers.iter().enumerate() {
            let host = Netns::new();
            let port = format!("p{i}");
            host.veth_to("eth0", &switch, &port);
            switch.ip(&["link", "set", &port, "master", "br0"]);
            host.ip(&["addr", "add", &format!("192.0.2.{n}/24"), "dev", "eth0"]);
            hosts.push(host);
            rsctmp.push(TempDir::new());
        }
        Lan {
            hosts,
            _switch: switch,
            rsctmp,
        }
    }

    /// Gives host i the address 2001:db8:1234::<i + 1>/64 too (no DAD).
    pub fn add_ipv6(&self) {
        for (i, host) in self.hosts.iter().enumerate() {
            let address = format!("2001:db8:1234::{}/64", i + 1);
            host.ip(&["addr", "add", &address, "dev", "eth0", "nodad"]);
        }
    }

    /// Makes the bridge snoop MLD/IGMP with a querier of its own, as a
    /// managed switch does: multicast then reaches only the ports that
    /// reported the group.
    pub fn snoop_multicast(&self) {
        self._switch.ip(&[
            "link",
            "set",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "1",
            "mcast_querier",
            "1",
        ]);
    }

    /// The namespace holding the bridge br0 (ports p0, p1, …).
    pub fn switch(&self) -> &Netns {
        &self._switch
    }

    /// The name of the namespace holding the bridge (ports p0, p1, …).
    pub fn switch_name(&self) -> String {
        self._switch.name.clone()
    }

    /// `agent action` on host `i`, with its HA_RSCTMP.
    pub fn agent(&self, i: usize, agent: &Path, action: &str) -> AgentCommand {
        AgentCommand::new(agent, action)
            .in_namespace(&self.hosts[i])
            .rsctmp(self.rsctmp[i].path())
    }

    /// Runs an agent on host `i`, as [`Node::run`] does.
    pub fn run(&self, i: usize, agent: &Path, action: &str, params: &[(&str, &str)]) -> Run {
        self.agent(i, agent, action).params(params).run()
    }
}
