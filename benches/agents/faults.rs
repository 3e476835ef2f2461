//! Real faults in a real three-node cluster, as clients see them: runs
//! `scripts/cluster-faults --full` (which measures; see that script) and
//! reads what it kept: per fault and agent the ping outage, the failed
//! HTTP requests and the longest time without a successful one, and every
//! request's time and outcome for the timeline.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One fault, one agent.
pub struct Row {
    pub fault: String,
    pub agent: String,
    pub ping_gap_ms: f64,
    pub pings_lost: u64,
    pub http_failed: u64,
    pub http_gap_ms: f64,
    /// Each request: ms after the fault, and whether it succeeded.
    pub requests: Vec<(f64, bool)>,
}

pub struct Run {
    pub rows: Vec<Row>,
    /// The script's own verdict lines (`ok - …` / `not ok - …`).
    pub checks: Vec<String>,
}

/// The fault suite's raw output, under the repository's target/.
fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-faults")
}

/// Runs the suite (full mode) and reads what it kept; with `kept`, reads
/// an earlier run's directory instead (to redraw a report).
pub fn collect(kept: Option<&Path>) -> Option<Run> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = match kept {
        Some(dir) => dir.to_path_buf(),
        None => {
            let out = out_dir();
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).ok()?;
            let output = Command::new(root.join("scripts/cluster-faults"))
                .args(["--full", "--out"])
                .arg(&out)
                .current_dir(root)
                .output()
                .ok()?;
            std::fs::write(out.join("checks.txt"), &output.stdout).ok()?;
            out
        }
    };
    let checks = std::fs::read_to_string(out.join("checks.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("ok - ") || l.starts_with("not ok - "))
        .map(str::to_owned)
        .collect();
    let summary = std::fs::read_to_string(out.join("summary.tsv")).ok()?;
    let rows = summary
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let [fault, agent, ping_gap, lost, failed, http_gap] = f[..] else {
                return None;
            };
            Some(Row {
                fault: fault.to_owned(),
                agent: agent.to_owned(),
                ping_gap_ms: ping_gap.parse().unwrap_or(f64::NAN),
                pings_lost: lost.parse().unwrap_or(0),
                http_failed: failed.parse().unwrap_or(0),
                http_gap_ms: http_gap.parse().unwrap_or(f64::NAN),
                requests: requests(&out, fault, agent),
            })
        })
        .collect();
    Some(Run { rows, checks })
}

/// The requests of one fault and agent, timed from the fault.
fn requests(out: &Path, fault: &str, agent: &str) -> Vec<(f64, bool)> {
    let t0: f64 = std::fs::read_to_string(out.join(format!("{fault}.t0")))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0.0);
    std::fs::read_to_string(out.join(format!("{fault}-{agent}.http")))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let sent: f64 = words.next()?.parse().ok()?;
            Some((sent - t0, words.next()? == "ok"))
        })
        .collect()
}

/// The client's view of each fault as a timeline: one row per agent,
/// each request a tick (green: answered, red: failed), from 2 s before
/// the fault to the end of the measurement.
pub fn timeline_svg(rows: &[Row]) -> String {
    const LEFT: f64 = 150.0;
    const WIDTH: f64 = 760.0;
    const ROW: f64 = 26.0;
    const PANEL_GAP: f64 = 34.0;
    let mut faults: Vec<&str> = Vec::new();
    for row in rows {
        if !faults.contains(&row.fault.as_str()) {
            faults.push(&row.fault);
        }
    }
    let span = |row: &Row| row.requests.last().map_or(1.0, |r| r.0);
    let end_ms = rows.iter().map(span).fold(1000.0, f64::max);
    let start_ms = -2000.0;
    let x = |t: f64| LEFT + (t - start_ms) / (end_ms - start_ms) * WIDTH;
    let mut body = String::new();
    let mut y = 52.0;
    for fault in &faults {
        body.push_str(&format!(
            "<text x=\"10\" y=\"{:.0}\" font-weight=\"bold\">{}</text>\n",
            y - 8.0,
            label(fault)
        ));
        for row in rows.iter().filter(|r| r.fault == *fault) {
            body.push_str(&format!(
                "<text x=\"20\" y=\"{:.0}\">{}</text>\n",
                y + ROW * 0.65,
                row.agent
            ));
            for (t, ok) in &row.requests {
                let colour = if *ok { "#2a9d3a" } else { "#d62828" };
                body.push_str(&format!(
                    "<rect x=\"{:.1}\" y=\"{:.0}\" width=\"1.2\" height=\"{:.0}\" fill=\"{colour}\"/>\n",
                    x(*t),
                    y + 3.0,
                    ROW - 6.0
                ));
            }
            y += ROW;
        }
        body.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{1:.0}\" x2=\"{0:.1}\" y2=\"{2:.0}\" stroke=\"#333\" stroke-dasharray=\"3,2\"/>\n",
            x(0.0),
            y - ROW * rows.iter().filter(|r| r.fault == *fault).count() as f64,
            y
        ));
        y += PANEL_GAP;
    }
    // The time axis, in seconds from the fault.
    let mut second = (start_ms / 1000.0).ceil() as i64;
    while (second as f64) * 1000.0 <= end_ms {
        let at = x(second as f64 * 1000.0);
        body.push_str(&format!(
            "<line x1=\"{at:.1}\" y1=\"{:.0}\" x2=\"{at:.1}\" y2=\"{:.0}\" stroke=\"#999\"/>\n<text x=\"{at:.1}\" y=\"{:.0}\" text-anchor=\"middle\">{second} s</text>\n",
            y - PANEL_GAP + 4.0,
            y - PANEL_GAP + 10.0,
            y - PANEL_GAP + 24.0
        ));
        second += 1;
    }
    let height = y - PANEL_GAP + 34.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"14\">HTTP requests every 20 ms (green answered, red failed); the dashed line is the fault</text>\n{body}</svg>\n",
        LEFT + WIDTH + 20.0
    )
}

/// What each fault is, for people.
pub fn label(fault: &str) -> &'static str {
    match fault {
        "crash" => "The active node crashes (port down, every process killed)",
        "cable" => "The active node's cable is pulled (processes alive)",
        "shutdown" => "pacemakerd stopped on the active node",
        "standby" => "Standby of the active node (a graceful move)",
        _ => "Another fault",
    }
}
