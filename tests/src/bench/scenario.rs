//! What a device under test is configured to do while it is measured, and how each device is given that
//! configuration. Every scenario is the same for every device that can run it:
//!
//! * [`Scenario::Soho`]: the SOHO router (defconf's stateful filter and masquerade), where the whole
//!   suite of metrics is taken;
//! * [`Scenario::Plain`]: routing only — no filter rules and no NAT, so no connection tracking either
//!   (RouterOS tracks connections only while a firewall rule exists, Linux only while a rule uses it).
//!   Without masquerade the WAN host routes the LAN prefix back through the device;
//! * [`Scenario::ExtraRules`]: the SOHO router with [`EXTRA_RULES`] forward rules ahead of defconf's that
//!   never match the benchmark traffic (`src-address=10.X.Y.Z action=drop`); the benchmark's one-way UDP
//!   flow never becomes established, so every packet is checked against all of them;
//! * [`Scenario::Conntrack`]: the SOHO router whose connection table is filled with that many UDP
//!   connections before it is measured (table size and UDP timeout raised first, on its console).
//!
//! The appliance gets each configuration baked into a copy of its image ([`appliance_script`]), the Linux
//! VM picks its nftables rules from its kernel command line ([`LinuxRules`]), the host kernel loads the
//! same rules in the switch namespace. The null forwarder has no configuration: it runs only the first.

use super::dut::Device;
use super::linux_vm::LinuxRules;

/// Non-matching forward rules in [`Scenario::ExtraRules`]: the "1 vs 1000 rules".
pub const EXTRA_RULES: u32 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Soho,
    Plain,
    ExtraRules,
    /// The connection table filled with this many connections.
    Conntrack(u32),
}

impl Scenario {
    /// The name `--scenarios` takes and the log shows.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Soho => "soho",
            Scenario::Plain => "plain",
            Scenario::ExtraRules => "rules",
            Scenario::Conntrack(_) => "conntrack",
        }
    }

    /// `soho`, `plain`, `rules`, `conntrack` (filled with `connections`).
    pub fn parse(name: &str, connections: u32) -> Option<Self> {
        match name {
            "soho" => Some(Scenario::Soho),
            "plain" => Some(Scenario::Plain),
            "rules" => Some(Scenario::ExtraRules),
            "conntrack" => Some(Scenario::Conntrack(connections)),
            _ => None,
        }
    }

    /// Whether `device` can be put in this scenario. The null forwarder has no firewall to configure;
    /// the host kernel's connection table limits are the machine's own (not the namespace's), so it does
    /// not take part in the table-filling scenario; the flowtable VM is a variant of the SOHO router only.
    pub fn runs_on(self, device: Device) -> bool {
        match self {
            Scenario::Soho => true,
            Scenario::Plain | Scenario::ExtraRules => matches!(
                device,
                Device::Appliance | Device::LinuxVm | Device::HostKernel
            ),
            Scenario::Conntrack(_) => matches!(device, Device::Appliance | Device::LinuxVm),
        }
    }

    /// The Linux VM's rules for this scenario (`flowtable` for the FastTrack counterpart).
    pub fn linux_rules(self, flowtable: bool) -> LinuxRules {
        match self {
            Scenario::Plain => LinuxRules::PlainForwarding,
            Scenario::ExtraRules => LinuxRules::SohoWithExtraRules(EXTRA_RULES),
            Scenario::Soho | Scenario::Conntrack(_) if flowtable => LinuxRules::SohoFlowtable,
            Scenario::Soho | Scenario::Conntrack(_) => LinuxRules::Soho,
        }
    }

    /// The host kernel's firewall: `None` for none, else the number of extra non-matching rules.
    pub fn host_kernel_rules(self) -> Option<u32> {
        match self {
            Scenario::Plain => None,
            Scenario::ExtraRules => Some(EXTRA_RULES),
            Scenario::Soho | Scenario::Conntrack(_) => Some(0),
        }
    }

    /// Whether the WAN host needs a route back to the LAN prefix (no masquerade in the device).
    pub fn needs_return_route(self) -> bool {
        self == Scenario::Plain
    }
}

/// The `i`-th (from 1) address the extra rules drop: 10.X.Y.Z, distinct up to 16,777,215 rules, never
/// one of the benchmark hosts (192.168.88.0/24, 198.51.100.0/24). The Linux VM's `/init` and the host
/// kernel's ruleset use the same numbering.
pub fn extra_rule_address(i: u32) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF)
}

/// The appliance's configuration script for `scenario`, made from the SOHO script `soho`:
/// [`Scenario::Plain`] drops its `/ip firewall …` sections, [`Scenario::ExtraRules`] puts the extra rules
/// in front of its first forward rule. The others use it as it is (the connection table is sized on
/// the console, after the memory in use before is read).
pub fn appliance_script(scenario: Scenario, soho: &str) -> Result<String, String> {
    match scenario {
        Scenario::Soho | Scenario::Conntrack(_) => Ok(soho.to_string()),
        Scenario::Plain => Ok(without_firewall(soho)),
        Scenario::ExtraRules => with_extra_rules(soho, EXTRA_RULES),
    }
}

/// `script` without its `/ip firewall` sections (a section runs from a line starting with `/` to the
/// next such line).
fn without_firewall(script: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in script.lines() {
        if line.starts_with('/') {
            skipping = line.starts_with("/ip firewall");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `script` with `count` drop rules inserted before the first `add chain=forward` line of its
/// `/ip firewall filter` section.
fn with_extra_rules(script: &str, count: u32) -> Result<String, String> {
    let mut out = String::new();
    let (mut in_filter, mut inserted) = (false, false);
    for line in script.lines() {
        if line.starts_with('/') {
            in_filter = line.trim() == "/ip firewall filter";
        }
        if in_filter && !inserted && line.starts_with("add chain=forward") {
            for i in 1..=count {
                out.push_str(&format!(
                    "add chain=forward action=drop src-address={} comment=\"bench: never matches\"\n",
                    extra_rule_address(i)
                ));
            }
            inserted = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    if inserted {
        Ok(out)
    } else {
        Err("the SOHO script has no forward rule to put the extra rules in front of".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "/ip address\nadd address=192.168.88.1/24 interface=ether2\n\
                          /ip firewall filter\nadd chain=input action=accept\n\
                          add chain=forward action=fasttrack-connection\n\
                          /ip firewall nat\nadd chain=srcnat action=masquerade\n\
                          /system identity\nset name=r1\n";

    #[test]
    fn plain_drops_every_firewall_section_and_keeps_the_rest() {
        let plain = appliance_script(Scenario::Plain, SCRIPT).unwrap();
        assert_eq!(
            plain,
            "/ip address\nadd address=192.168.88.1/24 interface=ether2\n/system identity\nset name=r1\n"
        );
    }

    #[test]
    fn extra_rules_go_before_the_first_forward_rule() {
        let script = appliance_script(Scenario::ExtraRules, SCRIPT).unwrap();
        let lines: Vec<&str> = script.lines().collect();
        let first_extra = lines
            .iter()
            .position(|l| l.contains("src-address=10.0.0.1 "))
            .unwrap();
        assert_eq!(lines[first_extra - 1], "add chain=input action=accept");
        let fasttrack = lines.iter().position(|l| l.contains("fasttrack")).unwrap();
        assert_eq!(fasttrack, first_extra + EXTRA_RULES as usize);
        assert!(lines[fasttrack - 1].contains("src-address=10.0.3.232 "));
        assert!(with_extra_rules("/ip address\n", 3).is_err());
    }

    #[test]
    fn extra_rule_addresses_are_distinct_and_outside_the_benchmark_hosts() {
        assert_eq!(extra_rule_address(1), "10.0.0.1");
        assert_eq!(extra_rule_address(256), "10.0.1.0");
        assert_eq!(extra_rule_address(65_537), "10.1.0.1");
        let all: std::collections::HashSet<String> = (1..=5000).map(extra_rule_address).collect();
        assert_eq!(all.len(), 5000);
    }

    #[test]
    fn scenarios_parse_and_pick_their_devices() {
        assert_eq!(Scenario::parse("rules", 0), Some(Scenario::ExtraRules));
        assert_eq!(
            Scenario::parse("conntrack", 7),
            Some(Scenario::Conntrack(7))
        );
        assert_eq!(Scenario::parse("nat", 0), None);
        assert!(!Scenario::Plain.runs_on(Device::NullForwarder));
        assert!(!Scenario::Conntrack(1).runs_on(Device::HostKernel));
        assert!(Scenario::Soho.runs_on(Device::NullForwarder));
        assert_eq!(
            Scenario::ExtraRules.linux_rules(false),
            LinuxRules::SohoWithExtraRules(EXTRA_RULES)
        );
    }
}
