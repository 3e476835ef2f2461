//! A client idle on a connection to the VIP across a graceful move (stop
//! on A, then start on B): how long until it has a working connection
//! again, with the stock agent, floatip as it is by default and floatip
//! with reset_connections=true. The client waits in recv for at most
//! CLIENT_WAIT; one still waiting then has no working connection (without
//! a reset it would wait for TCP keepalive: two hours by default).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use testkit::{lab, Lan};

use crate::sample::measure;
use crate::stats::{median, percentile};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const PORT: &str = "8080";
const CLIENT_WAIT: Duration = Duration::from_secs(10);

pub struct Row {
    pub label: &'static str,
    pub trials: usize,
    /// Per trial: seconds from stop on A to the client's reset, and to
    /// its working connection to B; `None` where it never came.
    pub reset: Vec<Option<f64>>,
    pub working: Vec<Option<f64>>,
}

pub fn collect(quick: bool, floatip: &Path, stock: &Path) -> Vec<Row> {
    let trials = if quick { 2 } else { 5 };
    let v4 = "192.0.2.10";
    let v6 = "2001:db8:1234::10";
    vec![
        run("IPaddr2", stock, v4, false, trials),
        run(
            "floatip (reset_connections unset)",
            floatip,
            v4,
            false,
            trials,
        ),
        run("floatip reset_connections=true", floatip, v4, true, trials),
        run(
            "floatip reset_connections=true, IPv6",
            floatip,
            v6,
            true,
            trials,
        ),
    ]
}

fn run(label: &'static str, agent: &Path, vip: &str, reset: bool, trials: usize) -> Row {
    let mut row = Row {
        label,
        trials,
        reset: Vec::new(),
        working: Vec::new(),
    };
    for _ in 0..trials {
        let (reset_after, working_after) = trial(agent, vip, reset);
        row.reset.push(reset_after);
        row.working.push(working_after);
    }
    row
}

fn trial(agent: &Path, vip: &str, reset: bool) -> (Option<f64>, Option<f64>) {
    let lan = Lan::new(&[1, 2, 3]);
    let ipv6 = vip.contains(':');
    if ipv6 {
        lan.add_ipv6();
    }
    let mut params = vec![
        ("OCF_RESKEY_ip", vip),
        ("OCF_RESKEY_cidr_netmask", if ipv6 { "64" } else { "24" }),
        ("OCF_RESKEY_nodad", "true"),
    ];
    if reset {
        params.push(("OCF_RESKEY_reset_connections", "true"));
    }
    let family = if ipv6 { "6" } else { "4" };
    let mut servers: Vec<Child> = [(A, "-"), (B, "B")]
        .into_iter()
        .map(|(host, banner)| {
            let mut server = lab::idle_tcp(&lan.hosts[host], &["server", family, banner, PORT]);
            lab::next_line(&mut server);
            server
        })
        .collect();
    measure(&lan.hosts[A], agent, "start", &params, lan.rsctmp[A].path());
    let wait = CLIENT_WAIT.as_secs().to_string();
    let mut client = lab::idle_tcp(&lan.hosts[C], &["client", vip, PORT, &wait]);
    let connected = lab::next_line(&mut client) == "connected";
    std::thread::sleep(Duration::from_millis(200));
    let stopped_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    measure(&lan.hosts[A], agent, "stop", &params, lan.rsctmp[A].path());
    measure(&lan.hosts[B], agent, "start", &params, lan.rsctmp[B].path());
    let output = client.wait_with_output().unwrap();
    for server in &mut servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    if !connected {
        return (None, None);
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>());
    let Some(first) = lines.next() else {
        return (None, None);
    };
    if first.first() != Some(&"reset") {
        return (None, None);
    }
    let reset_after = first
        .get(1)
        .and_then(|t| t.parse::<f64>().ok())
        .map(|t| t - stopped_at);
    let working_after = lines.next().and_then(|second| {
        (second.first() == Some(&"reconnected") && second.get(1) == Some(&"B"))
            .then(|| second.get(2)?.parse::<f64>().ok())
            .flatten()
    });
    (
        reset_after,
        working_after.zip(reset_after).map(|(w, r)| r + w),
    )
}

pub fn report(out: &mut String, rows: &[Row]) {
    writeln!(
        out,
        "## A client idle on the VIP across a graceful move (stop on A, start on B)\n"
    )
    .unwrap();
    writeln!(
        out,
        "| agent | trials | reset after stop (median) | working connection to B after stop (median, p90) | clients still waiting after {} s |",
        CLIENT_WAIT.as_secs()
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|").unwrap();
    for row in rows {
        let seconds =
            |values: &[Option<f64>]| -> Vec<f64> { values.iter().flatten().copied().collect() };
        let reset = seconds(&row.reset);
        let working = seconds(&row.working);
        let waiting = row.reset.iter().filter(|r| r.is_none()).count();
        writeln!(
            out,
            "| {} | {} | {} | {} | {waiting}/{} |",
            row.label,
            row.trials,
            if reset.is_empty() {
                "never".to_owned()
            } else {
                format!("{:.0} ms", median(&reset) * 1000.0)
            },
            if working.is_empty() {
                "never".to_owned()
            } else {
                format!(
                    "{:.2} s, {:.2} s",
                    median(&working),
                    percentile(&working, 0.9)
                )
            },
            row.trials,
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nThe server on A never answers the idle connection; the one on B greets each connection, so a working connection is one B greeted. After a reset the client reconnects at once: its first SYN still goes to A (which has withdrawn the VIP) and the retransmission a second later reaches B. Without a reset the client waits in recv until TCP keepalive gives up (two hours by default).\n"
    )
    .unwrap();
}
