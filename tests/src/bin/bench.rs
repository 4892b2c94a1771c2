//! `cargo run --release -p tests --bin bench -- [options]`: the benchmark suite. Boots the appliance, the
//! Linux router VM, the null forwarder, and uses the host kernel as a native reference, all in the same
//! namespace topology; prints a table per NIC model with the ratios appliance/Linux VM and
//! appliance/null forwarder, and writes the JSON report. Needs root; installs the Debian packages it
//! needs when they are missing.
//!
//! The same executable is the traffic generator the hosts run (`bench tool …`, see `tests::bench::load`).

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use qemu_runner::NicModel;
use tests::bench::dut::{Assets, Device};
use tests::bench::run::{self, Plan};
use tests::bench::scenario::Scenario;
use tests::bench::{engine, load};

const USAGE: &str = "usage: bench [--quick] [--rounds N] [--nic virtio|e1000|both] [--devices LIST]
             [--scenarios LIST] [--connections N] [--duration SECONDS] [--no-min-ram] [--no-engine]
             [--json PATH]

--quick       one round of 1 s measurements with virtio-net, no RAM bisection (checks the harness)
--rounds N    interleaved rounds per NIC model (default 3)
--nic         NIC model(s) every VM gets (default both)
--devices     comma-separated subset of appliance,linux-vm,linux-vm-flowtable,null-forwarder,
              host-kernel
--scenarios   comma-separated subset of soho,plain,rules,conntrack (default all)
--connections connections the conntrack scenario fills the table with (default 1000000)
--duration    seconds per throughput measurement (default 5)
--no-min-ram  skip bisecting the least RAM each VM forwards with
--no-engine   skip the engine micro-benchmarks (ns and callgrind instructions per packet, on the host)
--json PATH   where the JSON report goes (default target/bench/report.json)";

/// Commands the measurements run, and the Debian packages that carry them.
const NEEDED: &[(&str, &str)] = &[
    ("qemu-system-x86_64", "qemu-system-x86"),
    ("ip", "iproute2"),
    ("ss", "iproute2"),
    ("ping", "iputils-ping"),
    ("iperf3", "iperf3"),
    ("nft", "nftables"),
    ("apt-get", "apt"),
    ("dpkg-deb", "dpkg"),
    ("valgrind", "valgrind"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = load::tool_main(&args) {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    match bench(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<(Plan, PathBuf), String> {
    let mut plan = Plan::full();
    let mut json = PathBuf::from("target/bench/report.json");
    let mut scenarios: Option<String> = None;
    let mut connections: Option<u32> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--quick" => {
                let devices = plan.devices.clone();
                plan = Plan::quick();
                plan.devices = devices;
            }
            "--scenarios" => scenarios = Some(value("--scenarios")?),
            "--connections" => {
                connections = Some(
                    value("--connections")?
                        .parse()
                        .ok()
                        .filter(|&n| n > 0 && n <= load::MAX_FILL_FLOWS)
                        .ok_or_else(|| {
                            format!("--connections needs 1..={}", load::MAX_FILL_FLOWS)
                        })?,
                );
            }
            "--rounds" => {
                plan.rounds = value("--rounds")?
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("--rounds needs a positive number")?;
            }
            "--nic" => {
                plan.nics = match value("--nic")?.as_str() {
                    "virtio" => vec![NicModel::VirtioNet],
                    "e1000" => vec![NicModel::E1000],
                    "both" => vec![NicModel::VirtioNet, NicModel::E1000],
                    other => return Err(format!("unknown NIC model {other:?}\n{USAGE}")),
                };
            }
            "--devices" => {
                plan.devices = value("--devices")?
                    .split(',')
                    .map(|name| {
                        Device::parse(name.trim()).ok_or_else(|| format!("unknown device {name:?}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--duration" => {
                let seconds: f64 = value("--duration")?
                    .parse()
                    .ok()
                    .filter(|&s: &f64| s > 0.0 && s <= 600.0)
                    .ok_or("--duration needs seconds between 0 and 600")?;
                plan.duration = Duration::from_secs_f64(seconds);
            }
            "--no-min-ram" => plan.min_ram = false,
            "--no-engine" => plan.engine = false,
            "--json" => json = PathBuf::from(value("--json")?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
    // The table size of the plan (full or quick) unless given.
    let default_connections = plan.scenarios.iter().find_map(|s| match s {
        Scenario::Conntrack(n) => Some(*n),
        _ => None,
    });
    let connections = connections
        .or(default_connections)
        .unwrap_or(run::FULL_TABLE);
    plan.scenarios = match scenarios {
        Some(list) => list
            .split(',')
            .map(|name| {
                Scenario::parse(name.trim(), connections)
                    .ok_or_else(|| format!("unknown scenario {name:?}\n{USAGE}"))
            })
            .collect::<Result<_, _>>()?,
        None => plan
            .scenarios
            .iter()
            .map(|&s| match s {
                Scenario::Conntrack(_) => Scenario::Conntrack(connections),
                other => other,
            })
            .collect(),
    };
    Ok((plan, json))
}

/// Installs the Debian packages whose commands are missing (root, apt).
fn install_missing() -> Result<(), String> {
    let mut packages: Vec<&str> = NEEDED
        .iter()
        .filter(|(command, _)| !on_path(command))
        .map(|&(_, package)| package)
        .collect();
    packages.dedup();
    if packages.is_empty() {
        return Ok(());
    }
    eprintln!("bench: installing {}", packages.join(" "));
    let apt = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("cannot run apt-get: {e}"))?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| format!("apt-get {} failed: {status}", args.join(" ")))
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&packages);
    apt(&install)
}

fn on_path(command: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(command).is_file()))
}

fn bench(args: &[String]) -> Result<(), String> {
    let (plan, json_path) = parse(args)?;
    install_missing()?;
    let started = Instant::now();
    let mut log = |line: String| eprintln!("{line}");
    log(format!("building images for {:?}", plan.devices));
    let assets = Assets::build(&plan.devices, &plan.scenarios)?;
    let tool = load::Tool::current_exe()?;
    let reports = run::run(&plan, &tool, &assets, &mut log);

    let mut json = serde_json::Map::new();
    for (nic, report) in &reports {
        println!("\n== {nic:?} ==\n{}", report.table());
        json.insert(format!("{nic:?}"), report.json());
    }
    if plan.engine {
        match engine::measure(plan.engine_quick, &mut log) {
            Ok(report) => {
                println!(
                    "\n== engine micro-benchmarks (host; instructions counted by callgrind) ==\n{}",
                    report.table()
                );
                json.insert("engine".into(), report.json());
            }
            Err(e) => {
                println!("\n== engine micro-benchmarks ==\nfailed: {e}");
                json.insert("engine".into(), serde_json::json!({ "error": e }));
            }
        }
    }
    if let Some(parent) = json_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(json))
        .map_err(|e| e.to_string())?;
    std::fs::write(&json_path, text).map_err(|e| format!("{}: {e}", json_path.display()))?;
    println!(
        "JSON report: {}; the run took {:.1} min",
        json_path.display(),
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}
