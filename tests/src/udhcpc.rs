//! A real DHCP client on a test host: busybox `udhcpc`, whose event script configures the host's
//! interface and default route from the lease and records what the server sent.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::netns::{CommandOutput, HOST_INTERFACE, Host};

/// What udhcpc reported and what its script recorded of a lease.
pub struct Lease {
    /// udhcpc's own run.
    pub client: CommandOutput,
    /// `name=value` lines: `ip`, `subnet`, `router`, `dns`, `lease`, `serverid`; empty without a lease.
    pub record: String,
}

impl Lease {
    /// Whether udhcpc succeeded and its script recorded a lease.
    pub fn bound(&self) -> bool {
        self.client.success() && !self.record.is_empty()
    }

    /// The recorded value of `name` (trimmed), or panics with the record.
    pub fn get(&self, name: &str) -> String {
        self.record
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in the recorded lease:\n{}", self.record))
            .trim()
            .to_string()
    }
}

/// Takes `host`'s address away and asks for a lease on its interface (5 tries, 2 s apart; `extra`
/// goes to udhcpc, such as `-x hostname:NAME`). The script and record files live in the temporary
/// directory only while udhcpc runs.
pub fn lease(host: &Host, extra: &[&str]) -> Lease {
    let dir = std::env::temp_dir();
    let id = format!("{}-{}", std::process::id(), host.namespace());
    let record = dir.join(format!("udhcpc-{id}.lease"));
    let script = dir.join(format!("udhcpc-{id}.sh"));
    let _ = std::fs::remove_file(&record);
    std::fs::write(&script, event_script(&record)).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    host.run_ok(
        &["ip", "addr", "flush", "dev", HOST_INTERFACE],
        Duration::from_secs(5),
    );
    let script_path = script.to_string_lossy().into_owned();
    let mut args = vec![
        "busybox",
        "udhcpc",
        "-i",
        HOST_INTERFACE,
        "-f",
        "-q",
        "-n",
        "-t",
        "5",
        "-T",
        "2",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-s", &script_path]);
    let client = host.run(&args, Duration::from_secs(30));
    let _ = std::fs::remove_file(&script);
    let recorded = std::fs::read_to_string(&record).unwrap_or_default();
    let _ = std::fs::remove_file(&record);
    Lease {
        client,
        record: recorded,
    }
}

/// udhcpc's event script: on a lease, configure the interface and the default route, and write what
/// the server sent to `record` as `name=value` lines.
fn event_script(record: &std::path::Path) -> String {
    format!(
        r#"#!/bin/sh
case "$1" in
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/$subnet" dev "$interface"
        for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
        printf 'ip=%s\nsubnet=%s\nrouter=%s\ndns=%s\nlease=%s\nserverid=%s\n' \
            "$ip" "$subnet" "$router" "$dns" "$lease" "$serverid" > {record}
        ;;
esac
exit 0
"#,
        record = record.display()
    )
}
