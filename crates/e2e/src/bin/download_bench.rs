//! What the browser really downloads (crates/e2e/src/downloads.rs), measured
//! `--runs` times (each against a fresh server and browser) and printed as
//! the median with the range, as a Markdown table for docs/benchmarks.md.
//! `--requests` adds every request of the last run.
//!
//! Run it through scripts/download-bench.sh, which builds the release app
//! and server and sets MOODCHAT_BIN and MOODCHAT_DIST_DIR.

use moodchat_e2e::downloads::{measure, thousands, Downloads, Load};
use moodchat_e2e::network::NetworkProfile;

struct Options {
    runs: usize,
    requests: bool,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options { runs: 3, requests: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => options.runs = args.next().unwrap_or_default().parse()?,
            "--requests" => options.requests = true,
            _ => anyhow::bail!("usage: download_bench [--runs N] [--requests]"),
        }
    }
    anyhow::ensure!(options.runs > 0, "--runs must be at least 1");
    Ok(options)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let profile = NetworkProfile::SLOW_4G;
    let mut runs: Vec<Downloads> = Vec::new();
    for run in 1..=options.runs {
        eprintln!("run {run} of {}...", options.runs);
        runs.push(measure(profile).await?);
    }
    println!("Network: {profile}. {} runs: median (min-max).\n", runs.len());
    println!("| load | requests | bytes received (headers included) | of which headers | time |");
    println!("|---|---|---|---|---|");
    for (index, (what, _)) in runs[0].loads().iter().enumerate() {
        let loads: Vec<&Load> = runs.iter().map(|run| run.loads()[index].1).collect();
        let requests = spread(loads.iter().map(|load| load.network_requests() as f64), |n| format!("{n:.0}"));
        let bytes = spread(loads.iter().map(|load| load.bytes() as f64), |n| thousands(n as u64));
        let headers = spread(loads.iter().map(|load| load.header_bytes() as f64), |n| thousands(n as u64));
        let time = spread(loads.iter().map(|load| load.moment_ms / 1000.0), |s| format!("{s:.2} s"));
        println!("| {what} | {requests} | {bytes} | {headers} | {time} |");
    }
    if options.requests {
        let last = runs.last().expect("at least one run");
        for (what, load) in last.loads() {
            println!("\n{what}: {load}");
        }
    }
    Ok(())
}

/// "median (min-max)", or the value alone when every run gave the same.
fn spread(values: impl Iterator<Item = f64>, show: impl Fn(f64) -> String) -> String {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    let (min, max) = (values[0], values[values.len() - 1]);
    let median = values[values.len() / 2];
    if show(min) == show(max) {
        show(median)
    } else {
        format!("{} ({}-{})", show(median), show(min), show(max))
    }
}
