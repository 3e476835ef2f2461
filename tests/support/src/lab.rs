//! The lab's plumbing, shared by the integration tests and the benchmark:
//! loss made with classic-BPF tc filters on a switch port, and a client's
//! neighbour table watched as it changes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::{self, sleep};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::netns::Netns;

/// Classic BPF, direct action: drop frames of `ethertype` whose source
/// MAC is `mac`.
pub fn drop_from(mac: &str, ethertype: u16) -> String {
    let b: Vec<u64> = mac
        .split(':')
        .map(|h| u64::from_str_radix(h, 16).unwrap())
        .collect();
    let high = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    let low = (b[4] << 8) | b[5];
    // ldh [12]; jeq ethertype; ld [6]; jeq high; ldh [10]; jeq low; ret drop; ret pass
    format!("8,40 0 0 12,21 0 5 {ethertype},32 0 0 6,21 0 3 {high},40 0 0 10,21 0 1 {low},6 0 0 2,6 0 0 0")
}

/// `tc ARGS` inside namespace `ns`, which must succeed.
pub fn tc(ns: &str, args: &[&str]) {
    let status = Command::new("ip")
        .args(["netns", "exec", ns, "tc"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "tc {args:?}");
}

/// A classic-BPF filter on port `dev`'s `direction` (egress: frames
/// towards the host; ingress: frames from it). The port needs a clsact
/// qdisc.
pub fn set_filter_on(switch: &str, dev: &str, direction: &str, bytecode: &str) {
    clear_filter_on(switch, dev, direction);
    let _ = Command::new("ip")
        .args([
            "netns", "exec", switch, "tc", "filter", "add", "dev", dev, direction, "bpf", "da",
            "bytecode", bytecode,
        ])
        .status();
}

pub fn clear_filter_on(switch: &str, dev: &str, direction: &str) {
    let _ = Command::new("ip")
        .args([
            "netns", "exec", switch, "tc", "filter", "del", "dev", dev, direction,
        ])
        .stderr(Stdio::null())
        .status();
}

/// The clsact qdisc on port `dev`, which tc filters hang on.
pub fn add_clsact(switch: &str, dev: &str) {
    let _ = Command::new("ip")
        .args([
            "netns", "exec", switch, "tc", "qdisc", "add", "dev", dev, "clsact",
        ])
        .status();
}

/// `ip -ts monitor neigh` in a client, read by a thread.
pub struct NeighMonitor {
    child: Child,
    events: mpsc::Receiver<(SystemTime, String)>,
}

impl NeighMonitor {
    pub fn start(ns: &Netns, ip: &str) -> NeighMonitor {
        let mut child = Command::new("ip")
            .args(["-n", &ns.name, "-ts", "monitor", "neigh"])
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .spawn()
            .expect("ip monitor");
        let stdout = child.stdout.take().unwrap();
        let (sender, events) = mpsc::channel();
        let ip = ip.to_owned();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains(&format!("] {ip} ")) {
                    if let Some(time) = parse_stamp(&line) {
                        let _ = sender.send((time, line));
                    }
                }
            }
        });
        sleep(Duration::from_millis(100));
        NeighMonitor { child, events }
    }

    pub fn clear(&self) {
        while self.events.try_recv().is_ok() {}
    }

    /// The events seen so far, as `ip monitor` printed them.
    pub fn drain(&self) -> Vec<String> {
        self.events.try_iter().map(|(_, line)| line).collect()
    }

    pub fn wait_for(&self, mac: &str, after: SystemTime, wait: Duration) -> Option<SystemTime> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok((time, line)) if line.contains(&format!("lladdr {mac}")) && time >= after => {
                    return Some(time)
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

impl Drop for NeighMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `[2026-11-26T00:21:04.123456] ...` in UTC.
fn parse_stamp(line: &str) -> Option<SystemTime> {
    let stamp = line.strip_prefix('[')?.split(']').next()?;
    let (date, time) = stamp.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, s) = (t.next()??, t.next()??, t.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let secs = days * 86400 + h * 3600 + mi * 60 + s;
    let micros: u64 = format!("{frac:0<6}")[..6].parse().ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs as u64) + Duration::from_micros(micros))
}

/// Waits until no background sender of the agent whose HA_RSCTMP is
/// `rsctmp` runs (no `send_arp-*` pid file is left), for at most `limit`:
/// whether they were all done.
pub fn senders_done(rsctmp: &std::path::Path, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    loop {
        let running = std::fs::read_dir(rsctmp)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .any(|e| e.file_name().to_string_lossy().starts_with("send_arp-"))
            })
            .unwrap_or(false);
        if !running {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        sleep(Duration::from_millis(100));
    }
}

/// scripts/lib/idle-tcp.py in `ns` with these arguments (`server …` or
/// `client …`), its standard output piped: the idle client and the
/// servers of the reset_connections tests and benchmark.
pub fn idle_tcp(ns: &Netns, args: &[&str]) -> Child {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/lib/idle-tcp.py");
    Command::new("ip")
        .args(["netns", "exec", &ns.name, "python3", "-u", script])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3")
}

/// The next line a child prints on its piped standard output.
pub fn next_line(child: &mut Child) -> String {
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line);
    line.trim().to_owned()
}

/// A ping every 5 ms, each reply with its time (`ping -D`): when a
/// client reaches an address again after a failover.
pub struct Pinger {
    child: Child,
    replies: mpsc::Receiver<SystemTime>,
}

impl Pinger {
    pub fn start(ns: &Netns, ip: &str) -> Pinger {
        let mut child = Command::new("ip")
            .args([
                "netns", "exec", &ns.name, "ping", "-D", "-n", "-i", "0.005", "-W", "1", ip,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, replies) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !line.contains("bytes from") {
                    continue;
                }
                let stamp = line
                    .strip_prefix('[')
                    .and_then(|l| l.split(']').next())
                    .and_then(|s| s.parse::<f64>().ok());
                if let Some(seconds) = stamp {
                    let _ = sender.send(UNIX_EPOCH + Duration::from_secs_f64(seconds));
                }
            }
        });
        Pinger { child, replies }
    }

    /// The first reply at or after `after`, waiting at most `wait`.
    pub fn first_after(&self, after: SystemTime, wait: Duration) -> Option<SystemTime> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.replies.recv_timeout(left) {
                Ok(time) if time >= after => return Some(time),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

impl Drop for Pinger {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
