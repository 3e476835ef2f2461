//! reset_connections: a client idle on a connection to the VIP (the
//! server never answers it) across a graceful move, stop on A then start
//! on B. With reset_connections=true its recv fails with a reset within
//! tens of milliseconds of A's stop and its reconnect reaches the server
//! on B, never A; the server on A keeps running. Without it (and with the
//! stock agent) the client keeps waiting. IPv4 (with a dual-stack server
//! too) and IPv6.
//!
//! The LAN: A and B (the VIP's nodes, each running the server), C (the
//! client). The servers and the client are scripts/lib/idle-tcp.py.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libtest_mimic::Trial;

use crate::support::lab;
use crate::support::{floatip, AgentLog, Lan, Netns, STOCK_AGENT};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const PORT: &str = "8080";

pub fn trials() -> Vec<Trial> {
    trials!("connections":
        ipv4_idle_client_is_reset_and_reconnects_to_b,
        ipv4_dual_stack_server_connections_are_reset,
        ipv6_idle_client_is_reset_and_reconnects_to_b,
        without_the_parameter_the_client_waits,
        with_the_stock_agent_the_client_waits,
        show_counts_the_connections,
        without_sock_destroy_stop_warns_and_still_removes,
    )
}

fn python(ns: &Netns, mode: &str, args: &[&str]) -> Child {
    let mut all = vec![mode];
    all.extend_from_slice(args);
    lab::idle_tcp(ns, &all)
}

fn line_of(child: &mut Child) -> String {
    lab::next_line(child)
}

struct Move {
    lan: Lan,
    vip: &'static str,
    prefix: &'static str,
    servers: Vec<Child>,
}

impl Move {
    fn new(vip: &'static str, server_family: &'static str) -> Move {
        let lan = Lan::new(&[1, 2, 3]);
        let prefix = if vip.contains(':') {
            lan.add_ipv6();
            "64"
        } else {
            "24"
        };
        let mut servers = Vec::new();
        for (host, banner) in [(A, "-"), (B, "B")] {
            let mut server = python(&lan.hosts[host], "server", &[server_family, banner, PORT]);
            assert_eq!(line_of(&mut server), "listening");
            servers.push(server);
        }
        Move {
            lan,
            vip,
            prefix,
            servers,
        }
    }

    fn params(&self, reset: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
        let mut params = vec![
            ("ip", self.vip),
            ("cidr_netmask", self.prefix),
            ("nodad", "true"),
        ];
        if let Some(reset) = reset {
            params.push(("reset_connections", reset));
        }
        params
    }

    fn run(
        &self,
        host: usize,
        agent: &Path,
        action: &str,
        params: &[(&str, &str)],
        log: &AgentLog,
    ) {
        let code = self
            .lan
            .agent(host, agent, action)
            .params(params)
            .env("HA_LOGFILE", log.path())
            .quiet()
            .status();
        assert_eq!(code, 0, "{action} on {host}: {}", log.text());
    }

    /// The VIP on A with a client idle on it, then stop on A and start on
    /// B; what the client printed, and when stop on A began.
    fn graceful_move(
        &self,
        agent: &Path,
        reset: Option<&'static str>,
        wait: &str,
    ) -> (Vec<String>, f64, AgentLog) {
        let log = AgentLog::new();
        let params = self.params(reset);
        self.run(A, agent, "start", &params, &log);
        let mut client = python(&self.lan.hosts[C], "client", &[self.vip, PORT, wait]);
        assert_eq!(line_of(&mut client), "connected");
        std::thread::sleep(Duration::from_millis(200));
        let stopped_at = now();
        self.run(A, agent, "stop", &params, &log);
        self.run(B, agent, "start", &params, &log);
        let output = client.wait_with_output().unwrap();
        let lines = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        (lines, stopped_at, log)
    }

    fn server_a_runs(&mut self) -> bool {
        self.servers[0].try_wait().unwrap().is_none()
    }
}

impl Drop for Move {
    fn drop(&mut self) {
        for server in &mut self.servers {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The client's recv was reset within tens of milliseconds of A's stop,
/// and its reconnect was greeted by B.
fn assert_reset_and_reconnected(lines: &[String], stopped_at: f64, log: &AgentLog) {
    let first: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(first[0], "reset", "{lines:?}\n{}", log.text());
    let after = first[1].parse::<f64>().unwrap() - stopped_at;
    assert!(after < 0.1, "reset {after:.3} s after stop began");
    let second: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        &second[..2],
        ["reconnected", "B"],
        "the reconnect reached B: {lines:?}"
    );
    assert!(
        log.text()
            .contains("reset_connections: reset 1 TCP connection(s)"),
        "{}",
        log.text()
    );
}

fn ipv4_idle_client_is_reset_and_reconnects_to_b() {
    let mut lan_move = Move::new("192.0.2.10", "4");
    let (lines, stopped_at, log) =
        lan_move.graceful_move(Path::new(&floatip()), Some("true"), "10");
    assert_reset_and_reconnected(&lines, stopped_at, &log);
    assert!(lan_move.server_a_runs(), "the service on A is untouched");
}

fn ipv4_dual_stack_server_connections_are_reset() {
    let mut lan_move = Move::new("192.0.2.10", "6");
    let (lines, stopped_at, log) =
        lan_move.graceful_move(Path::new(&floatip()), Some("true"), "10");
    assert_reset_and_reconnected(&lines, stopped_at, &log);
    assert!(lan_move.server_a_runs());
}

fn ipv6_idle_client_is_reset_and_reconnects_to_b() {
    let mut lan_move = Move::new("2001:db8:1234::10", "6");
    let (lines, stopped_at, log) =
        lan_move.graceful_move(Path::new(&floatip()), Some("true"), "10");
    assert_reset_and_reconnected(&lines, stopped_at, &log);
    assert!(lan_move.server_a_runs());
}

fn without_the_parameter_the_client_waits() {
    let lan_move = Move::new("192.0.2.10", "4");
    let (lines, _, log) = lan_move.graceful_move(Path::new(&floatip()), None, "3");
    assert!(lines[0].starts_with("waiting"), "{lines:?}\n{}", log.text());
}

fn with_the_stock_agent_the_client_waits() {
    let lan_move = Move::new("192.0.2.10", "4");
    let (lines, _, log) = lan_move.graceful_move(Path::new(STOCK_AGENT), None, "3");
    assert!(lines[0].starts_with("waiting"), "{lines:?}\n{}", log.text());
}

fn show_counts_the_connections() {
    let lan_move = Move::new("192.0.2.10", "4");
    let log = AgentLog::new();
    let params = lan_move.params(Some("true"));
    lan_move.run(A, Path::new(&floatip()), "start", &params, &log);
    let mut clients: Vec<Child> = (0..2)
        .map(|_| {
            python(
                &lan_move.lan.hosts[C],
                "client",
                &[lan_move.vip, PORT, "10"],
            )
        })
        .collect();
    for client in &mut clients {
        assert_eq!(line_of(client), "connected");
    }
    let show = lan_move
        .lan
        .agent(A, &floatip(), "show")
        .params(&[("ip", lan_move.vip)])
        .run();
    assert!(
        show.stdout.contains("tcp connections: 2 (established 2)"),
        "{}",
        show.stdout
    );
    let json = lan_move
        .lan
        .agent(A, &floatip(), "show")
        .args(["--ip", lan_move.vip, "--json"])
        .run();
    assert!(
        json.stdout
            .contains("\"tcp_connections\":{\"established\":2}"),
        "{}",
        json.stdout
    );
    lan_move.run(A, Path::new(&floatip()), "stop", &params, &log);
    for client in clients {
        let output = client.wait_with_output().unwrap();
        assert!(String::from_utf8_lossy(&output.stdout).contains("reset"));
    }
}

/// A kernel without SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY unset, forced
/// here through floatip's test injection point): validate-all warns ahead,
/// stop warns and still removes the address with 0.
fn without_sock_destroy_stop_warns_and_still_removes() {
    let lan_move = Move::new("192.0.2.10", "4");
    let log = AgentLog::new();
    let params = lan_move.params(Some("true"));
    let agent = |action: &str| {
        lan_move
            .lan
            .agent(A, &floatip(), action)
            .params(&params)
            .env("HA_LOGFILE", log.path())
            .env("FLOATIP_TEST_FALLBACKS", "sock-destroy")
            .run()
    };
    let validate = agent("validate-all");
    assert_eq!(validate.code, 0);
    assert!(
        log.text()
            .contains("reset_connections is set, but this kernel cannot abort sockets"),
        "{}",
        log.text()
    );
    agent("start").expect(0);
    let mut client = python(&lan_move.lan.hosts[C], "client", &[lan_move.vip, PORT, "2"]);
    assert_eq!(line_of(&mut client), "connected");
    agent("stop").expect(0);
    assert!(
        lan_move.lan.hosts[A].find(lan_move.vip).is_empty(),
        "the address is gone"
    );
    assert!(
        log.text().contains("this kernel cannot abort sockets"),
        "{}",
        log.text()
    );
    let output = client.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        said.starts_with("waiting"),
        "the client was not reset: {said}"
    );
}
