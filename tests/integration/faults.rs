//! Faults of the node, concurrency and privilege: a namespace deleted or
//! replaced by something else, SIGKILL at any point of start, no
//! CAP_NET_ADMIN, a hundred VIPs at once, and actions racing each other.
//! A cluster agent runs as root on every node during the worst moments of
//! a cluster's life; it must never make things worse.

use std::process::Command;
use std::thread::{self, sleep};
use std::time::Duration;

use libtest_mimic::Trial;

use crate::support::*;

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    trials!("faults":
        named_namespace_deleted,
        namespace_entries_that_are_not_namespaces,
        sigkill_at_any_point_of_start,
        without_cap_net_admin,
        hundred_vips_in_parallel,
        racing_starts_and_start_racing_stop,
    )
}

fn named_namespace_deleted() {
    let node = Node::new();
    let elsewhere = Netns::new();
    node.ns.veth_to("to-x", &elsewhere, "eth0");
    elsewhere.ip(&["addr", "add", "198.51.100.1/24", "dev", "eth0"]);
    let name = elsewhere.name.clone();
    let p = [
        ("ip", "198.51.100.10"),
        ("network_namespace", name.as_str()),
    ];
    node.run(&floatip(), "start", &p).expect(0);
    node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", "198.51.100.10"),
            ("network_namespace", name.as_str()),
            ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ],
    )
    .expect(0);
    drop(elsewhere);
    node.run(&floatip(), "monitor", &p).expect(7);
    node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", "198.51.100.10"),
            ("network_namespace", name.as_str()),
            ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ],
    )
    .expect(7);
    node.run(&floatip(), "stop", &p).expect(0);
    node.run(&floatip(), "start", &p).expect(5);
}

/// /run/netns/<name> that is a FIFO, a plain file or a directory: stop 0,
/// probe 7, start 5, none of them hanging. Shaped in a private mount
/// namespace inside the node's network namespace.
fn namespace_entries_that_are_not_namespaces() {
    let node = Node::with_base();
    let script = format!(
        r#"mount -t tmpfs tmpfs /run/netns
mkfifo /run/netns/fifo
echo x > /run/netns/file
mkdir /run/netns/dir
export PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESKEY_ip={VIP} HA_RSCTMP={rsc}
for ns in fifo file dir; do
    for action in stop monitor start; do
        OCF_RESKEY_network_namespace=$ns timeout -s KILL 10 {agent} $action >/dev/null 2>&1
        echo "$ns $action $?"
    done
done"#,
        rsc = node.rsctmp.path().display(),
        agent = floatip().display()
    );
    let out = Command::new("ip")
        .args(["netns", "exec", &node.ns.name, "unshare", "--mount"])
        .args(["--propagation", "private", "sh", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for ns in ["fifo", "file", "dir"] {
        for (action, code) in [("stop", 0), ("monitor", 7), ("start", 5)] {
            let line = format!("{ns} {action} {code}");
            assert!(text.lines().any(|l| l == line), "want {line:?} in:\n{text}");
        }
    }
    assert!(node.ns.find(VIP).is_empty());
}

/// Kills start at points spread over its whole run; whatever it left, the
/// next monitor tells the truth and the next stop cleans up completely.
fn sigkill_at_any_point_of_start() {
    let node = Node::with_base();
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let mut outcomes = (0, 0);
    for step in 0..40u64 {
        // Entered with setns, so the kill hits floatip itself.
        let mut child = AgentCommand::new(&floatip(), "start")
            .entering(&node.ns)
            .rsctmp(node.rsctmp.path())
            .param("ip", VIP)
            .quiet()
            .command()
            .spawn()
            .unwrap();
        sleep(Duration::from_micros(step * 100));
        let _ = child.kill();
        let _ = child.wait();
        let present = !node.ns.find(VIP).is_empty();
        let monitor = node.run(&floatip(), "monitor", &[("ip", VIP)]);
        assert_eq!(
            monitor.code,
            if present { 0 } else { 7 },
            "step {step}: monitor must match the kernel"
        );
        if present {
            outcomes.0 += 1;
        } else {
            outcomes.1 += 1;
        }
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
        assert!(
            node.ns.find(VIP).is_empty(),
            "step {step}: stop removed the address"
        );
        assert!(!pid_file.exists(), "step {step}: no pid file left");
        let left = settled(&node.ns);
        assert!(left.is_empty(), "step {step}: processes left: {left:?}");
    }
    assert!(
        outcomes.0 > 0 && outcomes.1 > 0,
        "kills landed both before and after the add: {outcomes:?}"
    );
}

fn without_cap_net_admin() {
    let node = Node::with_base();
    let run = |action: &str| -> Run {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &node.ns.name,
                "setpriv",
                "--bounding-set=-net_admin",
                "--inh-caps=-net_admin",
            ])
            .arg(floatip())
            .arg(action)
            .env_clear()
            .env("OCF_RESKEY_ip", VIP)
            .env("HA_RSCTMP", node.rsctmp.path())
            .output()
            .unwrap()
            .into()
    };
    let start = run("start");
    start.expect(4);
    assert!(
        start.exit_reasons()[0].contains("CAP_NET_ADMIN"),
        "{start:?}"
    );
    assert!(node.ns.find(VIP).is_empty());
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    let stop = run("stop");
    stop.expect(1);
    assert!(stop.exit_reasons()[0].contains("CAP_NET_ADMIN"), "{stop:?}");
    run("monitor").expect(0);
}

fn hundred_vips_in_parallel() {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "198.51.100.1/24", "dev", "eth1"]);
    let addresses: Vec<String> = (0..100)
        .map(|i| format!("198.51.100.{}", 100 + i))
        .collect();
    assert!(parallel(&node, "start", &addresses).iter().all(|c| *c == 0));
    let configured: Vec<String> = node
        .ns
        .ip(&["-4", "-o", "addr", "show", "dev", "eth1"])
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_owned))
        .collect();
    assert_eq!(
        configured.len(),
        101,
        "exactly the base and the 100 VIPs: {configured:?}"
    );
    assert!(parallel(&node, "monitor", &addresses)
        .iter()
        .all(|c| *c == 0));
    assert!(parallel(&node, "stop", &addresses).iter().all(|c| *c == 0));
    let configured = node.ns.ip(&["-4", "-o", "addr", "show", "dev", "eth1"]);
    assert_eq!(
        configured.lines().count(),
        1,
        "only the base is left: {configured}"
    );
    assert!(settled(&node.ns).is_empty(), "no sender is left");
    assert_eq!(
        std::fs::read_dir(node.rsctmp.path()).unwrap().count(),
        0,
        "no pid file is left"
    );
}

fn racing_starts_and_start_racing_stop() {
    let node = Node::with_base();
    for _ in 0..15 {
        let codes = parallel(&node, "start", &[VIP.to_owned(), VIP.to_owned()]);
        assert_eq!(codes, vec![0, 0], "both starts succeed");
        assert_eq!(node.ns.find(VIP).len(), 1, "one address results");
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    }
    for round in 0..15 {
        let (start, stop) = thread::scope(|scope| {
            let a = scope.spawn(|| node.run(&floatip(), "start", &[("ip", VIP)]));
            let b = scope.spawn(|| node.run(&floatip(), "stop", &[("ip", VIP)]).code);
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!(stop, 0, "round {round}: stop");
        let present = !node.ns.find(VIP).is_empty();
        // start reads back what it added (as resource-agents 4.16 does): a
        // stop that removed it in between makes start say so with 1, and
        // leaves nothing; otherwise start succeeds.
        match start.code {
            0 => {}
            1 => {
                assert!(!present, "round {round}: start failed but the VIP is there");
                assert!(
                    start.exit_reasons()[0].contains("does not show it"),
                    "round {round}: {:?}",
                    start.exit_reasons()
                );
            }
            code => panic!("round {round}: start answered {code}"),
        }
        node.run(&floatip(), "monitor", &[("ip", VIP)])
            .expect(if present { 0 } else { 7 });
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
        assert!(node.ns.find(VIP).is_empty());
        assert!(
            settled(&node.ns).is_empty(),
            "round {round}: nothing left running"
        );
    }
}

fn parallel(node: &Node, action: &str, addresses: &[String]) -> Vec<i32> {
    thread::scope(|scope| {
        let handles: Vec<_> = addresses
            .iter()
            .map(|ip| {
                scope.spawn(move || {
                    node.run(
                        &floatip(),
                        action,
                        &[("ip", ip.as_str()), ("cidr_netmask", "24")],
                    )
                    .code
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
