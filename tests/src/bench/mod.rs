//! The benchmark suite (issue: the appliance against a Linux VM router and our own null forwarder): one
//! topology of namespaces and taps shared by every device under test, interleaved repeated runs, and a
//! report of each metric with the ratios appliance/Linux VM and appliance/null forwarder.
//!
//! * [`linux_vm`] — the baseline Linux router VM, built from Debian packages only.
//! * [`load`] — traffic generators and the measurements they drive between the two hosts.

pub mod linux_vm;
pub mod load;
