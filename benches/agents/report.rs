//! Reporting: the markdown tables of bench/results.md. Nothing here
//! measures; the statistics are `stats`'.

use std::fmt::Write as _;

use crate::failover::{Scenario, Trials};
use crate::faults;
use crate::late_path::{LateScenario, LateTrial};
use crate::sample::{Actions, Sample};
use crate::stats::{fmt_ms, median, ms, percentile, ratio};
use crate::vips::Totals;

pub fn actions(out: &mut String, actions: &Actions) {
    let (n, cycles) = (actions.runs, actions.cycles);
    writeln!(
        out,
        "## Single actions ({n} runs each; start/stop {cycles} cycles)\n"
    )
    .unwrap();
    writeln!(
        out,
        "| action | floatip median | floatip p90 | IPaddr2 median | IPaddr2 p90 | floatip/IPaddr2 | floatip/`/bin/true` | floatip CPU | IPaddr2 CPU | floatip peak RSS | IPaddr2 peak RSS |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|").unwrap();
    let true_median = median(
        &actions
            .baseline
            .iter()
            .map(|s| ms(s.wall))
            .collect::<Vec<_>>(),
    );
    for (label, ours, theirs) in &actions.rows {
        let wall = |s: &[Sample]| s.iter().map(|x| ms(x.wall)).collect::<Vec<_>>();
        let cpu = |s: &[Sample]| median(&s.iter().map(|x| ms(x.cpu)).collect::<Vec<_>>());
        let rss = |s: &[Sample]| s.iter().map(|x| x.max_rss_kib).max().unwrap_or(0);
        let (o, t) = (wall(ours), wall(theirs));
        writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} KiB | {} KiB |",
            fmt_ms(median(&o)),
            fmt_ms(percentile(&o, 0.9)),
            fmt_ms(median(&t)),
            fmt_ms(percentile(&t, 0.9)),
            ratio(median(&o), median(&t)),
            ratio(median(&o), true_median),
            fmt_ms(cpu(ours)),
            fmt_ms(cpu(theirs)),
            rss(ours),
            rss(theirs)
        )
        .unwrap();
    }
    writeln!(
        out,
        "\n`/bin/true` in the same namespace: median {}.\n",
        fmt_ms(true_median)
    )
    .unwrap();

    writeln!(
        out,
        "Processes created per action (strace -f; the agent itself not counted):\n"
    )
    .unwrap();
    writeln!(out, "| action | floatip | IPaddr2 |").unwrap();
    writeln!(out, "|---|---|---|").unwrap();
    for (label, ours, theirs) in &actions.processes {
        writeln!(out, "| {label} | {ours} | {theirs} |").unwrap();
    }
    writeln!(
        out,
        "\nWith the default arp_bg=true floatip's start also forks one background sender (no exec) for the rounds after the first.\n"
    )
    .unwrap();
}

pub fn failover(out: &mut String, results: &[(Scenario, Trials, Trials)]) {
    writeln!(
        out,
        "## Failover: start invoked on B until the client's neighbour entry shows B's MAC\n"
    )
    .unwrap();
    writeln!(out, "| scenario | trials | floatip median | floatip p90 | floatip converged | IPaddr2 median | IPaddr2 p90 | IPaddr2 converged | floatip/IPaddr2 (median) |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|").unwrap();
    for (scenario, ours, theirs) in results {
        let summary = |flips: &[Option<f64>]| {
            let done: Vec<f64> = flips.iter().flatten().copied().collect();
            (median(&done), percentile(&done, 0.9), done.len())
        };
        let (om, op, oc) = summary(ours);
        let (tm, tp, tc) = summary(theirs);
        let never = |count: usize, total: usize, median: f64| {
            if count == 0 {
                "never".to_string()
            } else if count < total {
                format!("{} (of converged)", fmt_ms(median))
            } else {
                fmt_ms(median)
            }
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {}/{} | {} | {} | {}/{} | {} |",
            scenario.label,
            scenario.trials,
            never(oc, scenario.trials, om),
            if oc == 0 { "–".into() } else { fmt_ms(op) },
            oc,
            scenario.trials,
            never(tc, scenario.trials, tm),
            if tc == 0 { "–".into() } else { fmt_ms(tp) },
            tc,
            scenario.trials,
            if tc == 0 { "–".into() } else { ratio(om, tm) }
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nA trial that has not converged after {}–{} s counts as not converged (\"never\"); medians and p90 are over the converged trials. The client pinged the VIP on A just before each trial. Loss is made by a classic-BPF tc filter on the bridge port facing the client.\n",
        3, 5
    )
    .unwrap();
}

pub fn late_path(out: &mut String, results: &[(LateScenario, Vec<LateTrial>, Vec<LateTrial>)]) {
    writeln!(
        out,
        "## Late path: B's announcements lost for the first seconds after start\n"
    )
    .unwrap();
    writeln!(out, "| scenario | trials | client | floatip median after the loss | floatip followed | IPaddr2 median after the loss | IPaddr2 followed |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|").unwrap();
    for (scenario, ours, theirs) in results {
        for (client, pick) in [("C, B's gateway (a target)", 0), ("D, another client", 1)] {
            let side = |trials: &[LateTrial]| {
                let done: Vec<f64> = trials
                    .iter()
                    .filter_map(|t| if pick == 0 { t.0 } else { t.1 })
                    .collect();
                let median_text = if done.is_empty() {
                    "never".to_string()
                } else {
                    fmt_ms(median(&done))
                };
                (median_text, done.len())
            };
            let (om, oc) = side(ours);
            let (tm, tc) = side(theirs);
            writeln!(
                out,
                "| {} | {} | {client} | {om} | {oc}/{} | {tm} | {tc}/{} |",
                scenario.label, scenario.trials, scenario.trials, scenario.trials
            )
            .unwrap();
        }
    }
    writeln!(
        out,
        "\nThe loss is a classic-BPF tc filter on the ingress of B's bridge port, from start's invocation; C and D pinged the VIP on A before each trial and send nothing during the loss. A client that has not followed within 3 s of the loss's end counts as never. Default parameters for both agents (floatip: garp_window 30 s).\n"
    )
    .unwrap();
}

pub fn vips(out: &mut String, count: usize, results: &[(usize, Totals, Totals)]) {
    writeln!(
        out,
        "## {count} VIPs on one interface: start all, monitor all, stop all\n"
    )
    .unwrap();
    writeln!(out, "| mode | floatip CPU | IPaddr2 CPU | floatip wall | IPaddr2 wall | floatip/IPaddr2 (CPU) |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    for &(parallel, ours, theirs) in results {
        writeln!(
            out,
            "| {} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {} |",
            if parallel == 1 {
                "sequential".to_string()
            } else {
                format!("{parallel} in parallel")
            },
            ours.0.as_secs_f64(),
            theirs.0.as_secs_f64(),
            ours.1.as_secs_f64(),
            theirs.1.as_secs_f64(),
            ratio(ours.0.as_secs_f64(), theirs.0.as_secs_f64())
        )
        .unwrap();
    }
    writeln!(out, "\nCPU is user + system time of the agent processes and everything they started (arp_count=1).\n").unwrap();
}

/// The fault suite: a table per fault, and the timeline (written beside
/// bench/results.md as `faults.svg`, named relative to it).
pub fn faults(out: &mut String, run: Option<&faults::Run>, svg: Option<&str>) {
    writeln!(
        out,
        "## Real faults in a three-node cluster: what clients see\n"
    )
    .unwrap();
    let Some(run) = run else {
        writeln!(
            out,
            "Full run only (`bench/run`); `scripts/test` runs `scripts/cluster-faults --quick`.\n"
        )
        .unwrap();
        return;
    };
    writeln!(
        out,
        "`scripts/cluster-faults --full`: three nodes with quorum (corosync token 1 s, no-quorum-policy stop, \
         stonith disabled), floatip's VIP and the stock agent's colocated in the same cluster and run; a client \
         pings each every 10 ms and sends an HTTP GET every 20 ms (0.1 s timeout) to python3's http.server on \
         every node. Outage: the longest gap between ping replies; longest without success: between two \
         answered requests.\n"
    )
    .unwrap();
    let mut seen: Vec<&str> = Vec::new();
    for row in &run.rows {
        if seen.contains(&row.fault.as_str()) {
            continue;
        }
        seen.push(&row.fault);
        writeln!(out, "### {}\n", faults::label(&row.fault)).unwrap();
        writeln!(out, "| agent | ping outage | pings lost | HTTP requests failed | longest without a successful request |").unwrap();
        writeln!(out, "|---|---|---|---|---|").unwrap();
        for r in run.rows.iter().filter(|r| r.fault == row.fault) {
            writeln!(
                out,
                "| {} | {} | {} | {} of {} | {} |",
                r.agent,
                fmt_ms(r.ping_gap_ms),
                r.pings_lost,
                r.http_failed,
                r.requests.len(),
                fmt_ms(r.http_gap_ms)
            )
            .unwrap();
        }
        writeln!(out).unwrap();
    }
    if let Some(svg) = svg {
        writeln!(out, "![The client's view of each move]({svg})\n").unwrap();
    }
    let failed: Vec<&String> = run
        .checks
        .iter()
        .filter(|c| c.starts_with("not ok"))
        .collect();
    writeln!(
        out,
        "Checks of the run: {} passed, {} failed{}.\n",
        run.checks.len() - failed.len(),
        failed.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                failed
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    )
    .unwrap();
}
