//! The native runner: `run`, `sweep` and `bench` over the same engine the
//! browser uses.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use loglab::engine::faults;
use loglab::engine::report::{self, RunReport};
use loglab::engine::service::State;
use loglab::engine::table::{diff, table_at, Change};
use loglab::engine::NodeId;
use loglab::engine::Scenario;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "loglab",
    version,
    about = "Deterministic log-replication simulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file and print a JSON report.
    Run {
        file: PathBuf,
        /// Also print every trace event as one JSON line, before the report.
        #[arg(long)]
        trace: bool,
        /// Run under this seed instead of the file's.
        #[arg(long)]
        seed: Option<u64>,
        /// Add the random fault schedule a sweep uses for this seed.
        #[arg(long)]
        faults: bool,
    },
    /// Run a scenario under many seeds and report the violating ones.
    Sweep {
        file: PathBuf,
        /// Seeds to try, as START..END (END excluded).
        #[arg(long, value_parser = parse_seed_range, default_value = "0..1000")]
        seeds: Range<u64>,
        /// Give every seed its own random crashes, partitions, loss,
        /// duplication and delays (replay one with `run --seed N --faults`).
        #[arg(long)]
        faults: bool,
    },
    /// Run a scenario, then show a node's table at one log offset (time
    /// travel) and what changed since another.
    Table {
        file: PathBuf,
        /// Fold the log up to (not including) this offset; default: all of it.
        #[arg(long)]
        at: Option<u64>,
        /// Also list the changes between this offset and `--at`.
        #[arg(long)]
        since: Option<u64>,
        /// Whose log to fold; default: the first node running the service.
        #[arg(long)]
        node: Option<u8>,
    },
    /// Measure simulated events per second on a fixed workload.
    Bench {
        /// Ticks of the fixed workload (one client write per tick).
        #[arg(long, default_value_t = loglab::engine::bench::DEFAULT_TICKS)]
        ticks: u64,
        /// Instead, record this many steps in a timeline and report its
        /// memory and seek times.
        #[arg(long)]
        history: Option<usize>,
        /// With --history: no history limits (see what they save).
        #[arg(long, requires = "history")]
        unlimited: bool,
    },
}

fn parse_seed_range(text: &str) -> Result<Range<u64>, String> {
    let bad = || format!("`{text}` is not a seed range; write START..END, e.g. 0..1000");
    let (start, end) = text.split_once("..").ok_or_else(bad)?;
    let start: u64 = start.trim().parse().map_err(|_| bad())?;
    let end: u64 = end.trim().parse().map_err(|_| bad())?;
    if start >= end {
        return Err(format!(
            "seed range `{text}` is empty: END must be greater than START"
        ));
    }
    Ok(start..end)
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run {
            file,
            trace,
            seed,
            faults,
        } => run(&file, trace, seed, faults),
        Command::Sweep {
            file,
            seeds,
            faults,
        } => sweep(&file, seeds, faults),
        Command::Bench {
            ticks,
            history,
            unlimited,
        } => match history {
            Some(steps) => bench_history(steps, !unlimited),
            None => bench(ticks),
        },
        Command::Table {
            file,
            at,
            since,
            node,
        } => table(&file, at, since, node),
    };
    match outcome {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

fn load(file: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let invalid = |e| format!("{} is not a valid scenario: {e}", file.display());
    let mut scenario = Scenario::from_json(&text).map_err(invalid)?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let skipped = scenario
        .resolve_import(|dump| {
            let path = dir.join(dump);
            let cannot = |e| format!("cannot read {}: {e}", path.display());
            // Refuse a huge dump before reading it into memory.
            let bytes = std::fs::metadata(&path).map_err(cannot)?.len();
            loglab::engine::import::check_bytes(bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::read_to_string(&path).map_err(cannot)
        })
        .map_err(invalid)?;
    for line in skipped {
        eprintln!("warning: skipped {line}");
    }
    Ok(scenario)
}

fn print_json(value: &impl serde::Serialize, pretty: bool) -> Result<(), String> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", text.map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

/// The scenario a run or sweep uses for `seed`.
fn variant(base: &Scenario, seed: u64, faults: bool) -> Scenario {
    if faults {
        return faults::with_random_faults(base, seed);
    }
    let mut scenario = base.clone();
    scenario.seed = seed;
    scenario
}

fn run(file: &Path, trace: bool, seed: Option<u64>, faults: bool) -> Result<(), String> {
    let base = load(file)?;
    let scenario = Rc::new(variant(&base, seed.unwrap_or(base.seed), faults));
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut failed = None;
    let world = report::run(scenario, |event| {
        if trace && failed.is_none() {
            let line = serde_json::to_string(event).expect("trace events serialize");
            failed = writeln!(out, "{line}").err();
        }
    });
    if let Some(e) = failed {
        return Err(format!("cannot write the trace: {e}"));
    }
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    print_json(&RunReport::of(&world), !trace)
}

#[derive(serde::Serialize)]
struct TableReport {
    node: NodeId,
    log_end_offset: u64,
    at: u64,
    table: State,
    since: Option<u64>,
    changes: Vec<Change>,
}

fn table(file: &Path, at: Option<u64>, since: Option<u64>, node: Option<u8>) -> Result<(), String> {
    let scenario = Rc::new(load(file)?);
    let world = report::run(scenario.clone(), |_| {});
    let chosen = match node {
        Some(id) => world
            .node(NodeId(id))
            .ok_or_else(|| format!("node {id} does not exist"))?,
        None => world
            .nodes()
            .iter()
            .find(|n| n.runs_service())
            .ok_or("no node runs the service")?,
    };
    let end = chosen.log.end();
    let at = at.unwrap_or(end);
    if at > end || since.is_some_and(|s| s > at) {
        return Err(format!(
            "offsets must satisfy since <= at <= {end} (the log end of {})",
            chosen.id
        ));
    }
    let fold = |offset| {
        table_at(
            &chosen.log,
            offset,
            scenario.service,
            scenario.seed,
            chosen.id,
        )
    };
    let table = fold(at);
    let changes = since.map(|s| diff(&fold(s), &table)).unwrap_or_default();
    print_json(
        &TableReport {
            node: chosen.id,
            log_end_offset: end,
            at,
            table,
            since,
            changes,
        },
        true,
    )
}

#[derive(serde::Serialize)]
struct SweepSummary {
    scenario: String,
    seeds: String,
    faults: bool,
    runs: u64,
    steps: u64,
    distinct_trace_hashes: usize,
    violating_seeds: Vec<u64>,
    /// How many runs broke each invariant.
    violations_by_invariant: std::collections::BTreeMap<&'static str, u64>,
    /// How to replay the first violating seed, if any.
    replay: Option<String>,
}

/// What the sweep keeps of one run, as its report says it. Plain data, so
/// it crosses back from a worker thread (a world shares keys through `Rc`).
struct SweptRun {
    seed: u64,
    trace_hash: String,
    steps: u64,
    violations: Vec<loglab::engine::check::Violation>,
}

impl SweptRun {
    fn of(world: &loglab::engine::World) -> SweptRun {
        SweptRun {
            seed: world.scenario().seed,
            trace_hash: report::hash_hex(world.trace_hash()),
            steps: world.step_count(),
            violations: world.violations().to_vec(),
        }
    }
}

fn sweep(file: &Path, seeds: Range<u64>, faults: bool) -> Result<(), String> {
    let scenario = load(file)?;
    let bar = ProgressBar::new(seeds.end - seeds.start);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}")
            .expect("static template"),
    );
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let reports: Vec<SweptRun> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let (bar, seeds) = (&bar, seeds.clone());
                scope.spawn(move || {
                    // Each worker reads its own copy: a scenario shares its
                    // keys through `Rc`, which stays on one thread.
                    let scenario = &load(file).expect("the file loaded a moment ago");
                    seeds
                        .filter(|seed| seed % threads == worker)
                        .map(|seed| {
                            let world =
                                report::run(Rc::new(variant(scenario, seed, faults)), |_| {});
                            bar.inc(1);
                            SweptRun::of(&world)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<SweptRun> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("sweep worker"))
            .collect();
        all.sort_by_key(|r| r.seed);
        all
    });
    bar.finish_and_clear();
    let hashes: std::collections::BTreeSet<&str> =
        reports.iter().map(|r| r.trace_hash.as_str()).collect();
    let summary = SweepSummary {
        scenario: scenario.name.clone(),
        seeds: format!("{}..{}", seeds.start, seeds.end),
        runs: reports.len() as u64,
        steps: reports.iter().map(|r| r.steps).sum(),
        distinct_trace_hashes: hashes.len(),
        violating_seeds: reports
            .iter()
            .filter(|r| !r.violations.is_empty())
            .map(|r| r.seed)
            .collect(),
        violations_by_invariant: reports.iter().fold(Default::default(), |mut counts, r| {
            let kinds: std::collections::BTreeSet<&str> =
                r.violations.iter().map(|v| v.invariant).collect();
            kinds
                .into_iter()
                .for_each(|k| *counts.entry(k).or_insert(0) += 1);
            counts
        }),
        replay: reports.iter().find(|r| !r.violations.is_empty()).map(|r| {
            let flag = if faults { " --faults" } else { "" };
            format!("loglab run {} --seed {}{flag}", file.display(), r.seed)
        }),
        faults,
    };
    eprintln!("swept {} seeds in {:.2?}", summary.runs, started.elapsed());
    print_json(&summary, true)
}

fn bench(ticks: u64) -> Result<(), String> {
    let origin = Instant::now();
    let result = loglab::engine::bench::run(ticks, &mut || origin.elapsed().as_secs_f64());
    print_json(&result, true)
}

#[derive(serde::Serialize)]
struct HistoryReport {
    #[serde(flatten)]
    bench: loglab::engine::bench::HistoryBench,
    /// The process's peak resident memory (Linux only), everything included.
    peak_rss_bytes: Option<u64>,
}

/// VmHWM from /proc/self/status.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn bench_history(steps: usize, limited: bool) -> Result<(), String> {
    let origin = Instant::now();
    let bench =
        loglab::engine::bench::history(steps, limited, &mut || origin.elapsed().as_secs_f64());
    print_json(
        &HistoryReport {
            bench,
            peak_rss_bytes: peak_rss_bytes(),
        },
        true,
    )
}
