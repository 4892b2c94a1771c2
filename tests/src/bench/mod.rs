//! The benchmark suite (issue: the appliance against a Linux VM router and our own null forwarder): one
//! topology of namespaces and taps shared by every device under test, interleaved repeated runs, and a
//! report of each metric with the ratios appliance/Linux VM and appliance/null forwarder.
//!
//! * [`linux_vm`] — the baseline Linux router VM, built from Debian packages only.
//! * [`load`] — traffic generators and the measurements they drive between the two hosts.
//! * [`dut`] — the devices under test and how each is put between the hosts.
//! * [`scenario`] — what the devices are configured for: SOHO, plain forwarding, 1000 extra rules, a
//!   full connection table.
//! * [`conntrack`] — filling a connection table and reading its size and memory off the consoles.
//! * [`run`] — the rounds: every device in turn, every measurement, then the RAM bisection.
//! * [`engine`] — the packet engine's ns and instructions per packet, from the `netstack` benches.
//! * [`report`] — min/median/max per metric and device, the ratios, the table and the JSON.
//!
//! The `bench` binary (`cargo run --release -p tests --bin bench`) is the command; `--quick` is the
//! smoke run the test suite uses to check the harness itself.

pub mod conntrack;
pub mod dut;
pub mod engine;
pub mod linux_vm;
pub mod load;
pub mod report;
pub mod run;
pub mod scenario;
