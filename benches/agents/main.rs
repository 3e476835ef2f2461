//! floatip and the stock IPaddr2, measured side by side in one run on the
//! same namespaced hosts. Writes a markdown table (median, p90 and
//! floatip/IPaddr2 ratios) to stdout. Not a test: nothing is asserted.
//!
//!   sudo bench/run            full run (a few minutes)
//!   sudo bench/run --quick    smoke pass (CI)

mod connections;
mod failover;
mod faults;
mod late_path;
mod pacing;
mod report;
mod routes;
mod sample;
mod stats;
mod vips;
mod virtual_mac;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use testkit::STOCK_AGENT;

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";

struct Options {
    quick: bool,
    /// `--only actions|failover|late|vips|pacing|connections|virtual_mac|routes|faults`: one section of the run.
    only: Option<String>,
    /// `--scenario TEXT`: only the failover scenarios whose label has it.
    scenario: Option<String>,
    /// `--faults-dir DIR`: draw the fault section from an earlier run of
    /// `scripts/cluster-faults --full --out DIR` instead of running it.
    faults_dir: Option<PathBuf>,
}

impl Options {
    fn wants(&self, section: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == section)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let options = Options {
        quick: args.iter().any(|a| a == "--quick"),
        only: args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1).cloned()),
        scenario: args
            .iter()
            .position(|a| a == "--scenario")
            .and_then(|i| args.get(i + 1).cloned()),
        faults_dir: args
            .iter()
            .position(|a| a == "--faults-dir")
            .and_then(|i| args.get(i + 1).map(PathBuf::from)),
    };
    // `cargo test --all-targets` runs this binary too, without --bench:
    // the benchmark itself runs only under `cargo bench` (bench/run).
    if !std::env::args().any(|a| a == "--bench") {
        println!("benches/agents: a benchmark, not a test; run bench/run");
        return;
    }
    // bench/run points FLOATIP at the shipped (static) build.
    let floatip = std::env::var_os("FLOATIP")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_floatip")));
    let stock = PathBuf::from(STOCK_AGENT);
    // Reports name files relative to the repository, never this machine's
    // absolute paths.
    fn relative_to_repository(path: &std::path::Path) -> PathBuf {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(root)
            .map(std::path::Path::to_path_buf)
            .unwrap_or(absolute)
    }
    let mut out = String::new();
    writeln!(out, "# floatip vs ocf:heartbeat:IPaddr2\n").unwrap();
    writeln!(
        out,
        "Measured side by side in one run on the same namespaced hosts: {} cores, kernel {}, {}; floatip binary {}.\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        text_of("uname", &["-r"]),
        if options.quick {
            "quick smoke pass (few samples: ratios only indicative)"
        } else {
            "full run"
        },
        relative_to_repository(&floatip).display()
    )
    .unwrap();

    if options.wants("actions") {
        let actions = sample::actions(options.quick, &floatip, &stock);
        report::actions(&mut out, &actions);
    }
    if options.wants("failover") {
        let results =
            failover::collect(options.quick, options.scenario.as_deref(), &floatip, &stock);
        report::failover(&mut out, &results);
    }
    if options.wants("late") {
        let results =
            late_path::collect(options.quick, options.scenario.as_deref(), &floatip, &stock);
        report::late_path(&mut out, &results);
    }
    if options.wants("vips") {
        let (count, results) = vips::collect(options.quick, &floatip, &stock);
        report::vips(&mut out, count, &results);
    }
    if options.wants("pacing") {
        let (count, rows) = pacing::collect(options.quick, &floatip, &stock);
        pacing::report(&mut out, count, &rows);
    }
    if options.wants("connections") {
        let rows = connections::collect(options.quick, &floatip, &stock);
        connections::report(&mut out, &rows);
    }
    if options.wants("virtual_mac") {
        let rows = virtual_mac::collect(options.quick, &floatip, &stock);
        virtual_mac::report(&mut out, &rows);
    }
    if options.wants("routes") {
        let (count, rows) = routes::collect(options.quick, &floatip, &stock);
        routes::report(&mut out, count, &rows);
    }
    if options.wants("faults") {
        // A full run only: the suite takes minutes.
        let run = match &options.faults_dir {
            Some(dir) => faults::collect(Some(dir)),
            None if options.quick => None,
            None => faults::collect(None),
        };
        let svg = run.as_ref().and_then(|run| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/faults.svg");
            std::fs::write(&path, faults::timeline_svg(&run.rows)).ok()?;
            Some("faults.svg")
        });
        report::faults(&mut out, run.as_ref(), svg);
    }
    testkit::remove_leftover_namespaces();
    print!("{out}");
}

fn text_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
