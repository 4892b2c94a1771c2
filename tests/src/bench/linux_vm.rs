//! The baseline Linux router VM: a stock Debian kernel and a small initramfs that route like the
//! appliance's factory (SOHO) configuration, booted on the appliance's virtual hardware, so the benchmarks
//! compare the appliance against what an engineer would otherwise run.
//!
//! What is built, from Debian packages only:
//! - the kernel: the image package `linux-image-amd64` depends on (`apt-cache depends`), fetched with
//!   `apt-get download` and unpacked with `dpkg-deb -x`; its `vmlinuz` boots as is (QEMU `-kernel`);
//! - the initramfs, a gzipped newc cpio archive written here ([`Cpio`]): `/init` (a busybox shell
//!   script), busybox from `busybox-static` with every applet as a symlink, the kernel modules the router
//!   needs (NIC drivers, nf_tables, conntrack, NAT) with their dependencies resolved from each module's
//!   `.modinfo` section (`depends=`, `softdep=`), and the host's `nft` (Debian package `nftables`) with
//!   every shared library `ldd` lists, at the same paths.
//!
//! What `/init` does (see [`INIT`]): mounts proc/sys/devtmpfs, turns IPv6 off (the appliance speaks IPv4
//! only, so neither VM sends router solicitations onto the benchmark links), loads the modules in
//! dependency order, names the NICs `eth0`, `eth1` in PCI order (`eth0` = ether1 = WAN 198.51.100.2/24
//! with the default route via 198.51.100.1, `eth1` = ether2 = LAN 192.168.88.1/24), waits for carrier,
//! enables forwarding, loads the rules `router.rules=` on the kernel command line asks for
//! ([`LinuxRules`]) and only then prints [`LINUX_READY`]. Any failure prints the reason and
//! [`LINUX_FAILED`] and powers the VM off, so a waiting test fails at once with the console transcript.
//! After the ready line a shell runs on the console (for looking around: `nft list ruleset`, `ip -s link`).
//!
//! The SOHO rules are RouterOS's defconf (`netstack::firewall::defconf`) in nftables terms. FastTrack's
//! counterpart, a flowtable that established connections are offloaded to, is a variant of its own
//! ([`LinuxRules::SohoFlowtable`]); the plain SOHO rules are the issue's baseline.
//!
//! The connection table is sized like the appliance's (65536 entries): Linux would size it from RAM
//! (1024 in 128 MiB), and TIME_WAIT entries would fill that within a second of new-connection load.
//!
//! Cache: the outputs live in `target/bench/linux-vm/` as `vmlinuz-VERSION` and
//! `initrd-VERSION-HASH.cpio.gz`, where `HASH` covers everything this file puts into the initramfs
//! (script, rules, module list), so editing the builder rebuilds it; the downloaded `.deb` files are kept
//! in `debs/` so a rebuild needs no download. Outputs are written under temporary names and renamed, so
//! concurrent builders never see half a file. Without apt, a VM built earlier is reused. The host's `nft`
//! is not part of the hash: delete the cache after upgrading `nftables`. Every failure is an `Err` saying
//! what failed, with the output of the tool that failed.
//!
//! Measured (Debian 6.1 kernel, TCG on two cores): ready about 5.5 s after QEMU starts with virtio-net,
//! 8 s with e1000 (its link comes up later); kernel 8.2 MB, initramfs 3.5 MB (8.6 MB unpacked). It boots
//! and forwards with 1000 extra rules at `-m 92`; at 90 MiB the kernel runs out of memory while unpacking
//! the initramfs. The benchmarks give it 128 MiB like the appliance.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use qemu_runner::{DirectKernel, QemuConfig};

use crate::netns::run_with_timeout;

/// What `/init` prints once the NICs are up with their addresses and the rules are loaded.
pub const LINUX_READY: &str = "linux-router ready";
/// What `/init` prints (after the reason) before powering off when the setup fails.
pub const LINUX_FAILED: &str = "linux-router FAILED";

/// The kernel's meta package; it depends on the current versioned image package.
const KERNEL_META_PACKAGE: &str = "linux-image-amd64";
const BUSYBOX_PACKAGE: &str = "busybox-static";

/// The modules the router needs; their dependencies are added. Any that the kernel has built in are
/// skipped.
const MODULES: &[&str] = &[
    "virtio_pci",
    "virtio_net",
    "e1000",
    "nf_defrag_ipv4",
    "nf_defrag_ipv6",
    "nf_conntrack",
    "nf_nat",
    "nf_tables",
    "nft_ct",
    "nft_chain_nat",
    "nft_masq",
    "nf_flow_table",
    "nf_flow_table_inet",
    "nft_flow_offload",
];

/// Bumped whenever the initramfs layout changes in a way the hashed texts do not show.
const LAYOUT_VERSION: u32 = 2;

const APT_TIMEOUT: Duration = Duration::from_secs(600);
const TOOL_TIMEOUT: Duration = Duration::from_secs(300);

/// The built VM: a kernel and an initramfs for [`linux_vm_config`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinuxRouterVm {
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    /// The kernel release, e.g. `6.1.0-56-amd64`.
    pub kernel_version: String,
}

/// How the VM routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinuxRules {
    /// The appliance's factory configuration: the defconf input and forward filter and masquerade out of
    /// the WAN.
    Soho,
    /// Forwarding with no rules at all (and no conntrack). Without masquerade the WAN host needs a route
    /// to 192.168.88.0/24 via 198.51.100.2 for replies to come back; the test network gives it none.
    PlainForwarding,
    /// `Soho` with this many extra forward rules before the accept rules that never match the benchmark
    /// traffic (`ip saddr 10.X.Y.Z drop`, distinct addresses up to 16,777,215 rules; the hosts are in
    /// 192.168.88.0/24 and 198.51.100.0/24), for the "1 vs 1000 non-matching rules" metric.
    SohoWithExtraRules(u32),
    /// `Soho` with a flowtable that established connections are offloaded to: Linux's counterpart of
    /// defconf's `fasttrack-connection` rule, which the appliance runs.
    SohoFlowtable,
}

impl LinuxRules {
    /// The value of `router.rules=` on the kernel command line, which `/init` reads.
    pub fn kernel_arg(self) -> String {
        match self {
            LinuxRules::Soho => "soho".into(),
            LinuxRules::PlainForwarding => "plain".into(),
            LinuxRules::SohoWithExtraRules(extra) => format!("soho+{extra}"),
            LinuxRules::SohoFlowtable => "soho-flowtable".into(),
        }
    }
}

/// The appliance's tables with an empty forward chain; `/init` appends the extra rules (if any), then
/// [`SOHO_FORWARD`], and loads the whole file in one transaction.
///
/// input is defconf's: accept established,related,untracked; drop invalid; accept ICMP (both hosts can
/// ping the router); accept to 127.0.0.1; drop what does not come from the LAN. NAT is defconf's
/// `masquerade out-interface-list=WAN`.
const SOHO_TABLES: &str = r#"# The appliance's factory configuration (RouterOS defconf) in nftables terms.
# eth0 is ether1 (WAN), eth1 is ether2 (LAN).
table ip appliance {
    chain input {
        type filter hook input priority filter; policy accept;
        ct state established,related,untracked accept
        ct state invalid drop
        ip protocol icmp accept
        ip daddr 127.0.0.1 accept
        iifname != "eth1" drop
    }
    chain forward {
        type filter hook forward priority filter; policy accept;
    }
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "eth0" masquerade
    }
}
"#;

/// defconf's forward chain after FastTrack: accept established,related,untracked; drop invalid; drop new
/// connections from the WAN that were not dst-NATed (`ct status & dnat == 0`: a bit test; nft's
/// `ct status != dnat` would compare the whole word).
const SOHO_FORWARD: &str = r#"add rule ip appliance forward ct state established,related,untracked accept
add rule ip appliance forward ct state invalid drop
add rule ip appliance forward iifname "eth0" ct state new ct status & dnat == 0 drop
"#;

/// `/init`, with `@MODULES@`, `@READY@` and `@FAILED@` filled in by [`init_script`].
const INIT: &str = r#"#!/bin/sh
# /init of the baseline Linux router VM (written by the benchmark suite's linux_vm builder).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

fail() {
    echo "linux-router: $*"
    echo "@FAILED@"
    poweroff -f
    while :; do sleep 3600; done
}

mount -t proc proc /proc || fail "cannot mount /proc"
mount -t sysfs sysfs /sys || fail "cannot mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "cannot mount /dev"

# IPv4 only, like the appliance: NICs created from now on get no IPv6 (no RS, DAD or MLD on the links).
if [ -d /proc/sys/net/ipv6 ]; then
    echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
    echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
fi

# Dependencies first (resolved on the host from each module's .modinfo).
for module in @MODULES@; do
    insmod "/lib/modules/$module.ko" || fail "insmod $module failed"
done

# The NICs, probed synchronously by the drivers; wait briefly in case one is late.
nics() {
    for path in /sys/class/net/*; do
        [ -e "$path/device" ] && echo "$(readlink -f "$path/device") ${path##*/}"
    done | sort | cut -d' ' -f2
}
tries=0
while [ "$(nics | wc -l)" -lt 2 ]; do
    tries=$((tries + 1))
    [ "$tries" -gt 100 ] && fail "fewer than two NICs after 10 s: $(ls /sys/class/net)"
    sleep 0.1
done

# Names in PCI order whatever the drivers' load order: eth0 = ether1 (WAN), eth1 = ether2 (LAN). The
# device paths sort by PCI address (a virtio NIC's device is the virtioN child of its PCI function).
count=0
for dev in $(nics); do
    ip link set dev "$dev" name "nic$count" || fail "cannot rename $dev"
    count=$((count + 1))
done
index=0
while [ "$index" -lt "$count" ]; do
    ip link set dev "nic$index" name "eth$index" || fail "cannot rename nic$index"
    index=$((index + 1))
done

ip link set lo up || fail "cannot bring lo up"
ip addr add 198.51.100.2/24 dev eth0 || fail "cannot address eth0"
ip addr add 192.168.88.1/24 dev eth1 || fail "cannot address eth1"
ip link set eth0 up || fail "cannot bring eth0 up"
ip link set eth1 up || fail "cannot bring eth1 up"
ip route add default via 198.51.100.1 dev eth0 || fail "cannot add the default route"
for dev in eth0 eth1; do
    tries=0
    until [ "$(cat /sys/class/net/$dev/carrier 2>/dev/null)" = 1 ]; do
        tries=$((tries + 1))
        [ "$tries" -gt 100 ] && fail "$dev has no carrier after 10 s"
        sleep 0.1
    done
done

echo 1 > /proc/sys/net/ipv4/ip_forward || fail "cannot enable forwarding"
# ICMP errors (TTL exceeded, unreachable) come from the interface the packet arrived on, as on RouterOS.
echo 1 > /proc/sys/net/ipv4/icmp_errors_use_inbound_ifaddr
# Linux sizes its connection table from RAM: 1024 entries in 128 MiB, which TIME_WAIT connections fill
# within a second of new-connection load, after which new SYNs are dropped. The appliance's table holds
# 65536 connections (netstack conntrack settings); give Linux the same bound, as a tuned router would.
echo 65536 > /proc/sys/net/netfilter/nf_conntrack_max || fail "cannot size the connection table"

rules=soho
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        router.rules=*) rules="${arg#router.rules=}" ;;
    esac
done
extra=0
flowtable=0
case "$rules" in
    plain | soho) ;;
    soho-flowtable) flowtable=1 ;;
    soho+*)
        extra="${rules#soho+}"
        case "$extra" in
            '' | *[!0-9]*) fail "bad rule count in router.rules=$rules" ;;
        esac
        ;;
    *) fail "unknown router.rules=$rules (soho, plain, soho+N or soho-flowtable)" ;;
esac
if [ "$rules" != plain ]; then
    {
        cat /etc/router/soho-tables.nft
        awk -v n="$extra" 'BEGIN {
            for (i = 1; i <= n; i++)
                printf "add rule ip appliance forward ip saddr 10.%d.%d.%d drop\n",
                    int(i / 65536) % 256, int(i / 256) % 256, i % 256
        }'
        if [ "$flowtable" = 1 ]; then
            # defconf's first forward rule, fasttrack-connection for established,related, in nft terms.
            echo 'add flowtable ip appliance fasttrack { hook ingress priority filter; devices = { eth0, eth1 }; }'
            echo 'add rule ip appliance forward ct state established,related flow add @fasttrack'
        fi
        cat /etc/router/soho-forward.nft
    } > /tmp/rules.nft || fail "cannot write /tmp/rules.nft"
    nft -f /tmp/rules.nft || fail "nft -f /tmp/rules.nft failed"
fi

echo "@READY@"

# Idle with a shell on the console; it comes back if someone exits it.
while :; do
    setsid cttyhack sh
    sleep 1
done
"#;

/// The `/init` script with the module load order filled in.
fn init_script(modules: &[String]) -> String {
    INIT.replace("@MODULES@", &modules.join(" "))
        .replace("@READY@", LINUX_READY)
        .replace("@FAILED@", LINUX_FAILED)
}

/// Builds (or reuses from `target/bench/linux-vm/`) the kernel and initramfs.
pub fn build_linux_router_vm() -> Result<LinuxRouterVm, String> {
    let dir = cache_dir();
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let package = match kernel_package() {
        Ok(package) => package,
        // Without apt (or its index) a VM built earlier by this same builder still serves.
        Err(e) => return cached_build(&dir).ok_or(e),
    };
    let kernel_version = package
        .strip_prefix("linux-image-")
        .map(|v| v.strip_suffix("-unsigned").unwrap_or(v).to_owned())
        .ok_or_else(|| format!("unexpected kernel package name {package:?}"))?;
    let kernel = dir.join(format!("vmlinuz-{kernel_version}"));
    let initrd = dir.join(format!(
        "initrd-{kernel_version}-{:016x}.cpio.gz",
        content_hash()
    ));
    let vm = LinuxRouterVm {
        kernel,
        initrd,
        kernel_version,
    };
    if vm.kernel.is_file() && vm.initrd.is_file() {
        return Ok(vm);
    }

    let work = WorkDir::create(&dir)?;
    let debs = dir.join("debs");
    fs::create_dir_all(&debs).map_err(|e| format!("cannot create {}: {e}", debs.display()))?;
    let root = work.path().join("kernel");
    extract(&download(&debs, work.path(), &package)?, &root)?;
    let vmlinuz = format!("boot/vmlinuz-{}", vm.kernel_version);
    if !root.join(&vmlinuz).is_file() && !package.ends_with("-unsigned") {
        // Some releases ship the image in the -unsigned package and only a signed copy elsewhere.
        let unsigned = format!("{package}-unsigned");
        extract(&download(&debs, work.path(), &unsigned)?, &root)?;
    }
    if !root.join(&vmlinuz).is_file() {
        return Err(format!(
            "{package} has no /{vmlinuz}; the kernel package layout changed"
        ));
    }
    let busybox_root = work.path().join("busybox");
    extract(
        &download(&debs, work.path(), BUSYBOX_PACKAGE)?,
        &busybox_root,
    )?;

    let module_dir = root.join("lib/modules").join(&vm.kernel_version);
    let mut modules = ModuleTree::open(&module_dir)?;
    let order = modules.load_order(MODULES)?;
    let mut cpio = Cpio::default();
    add_base(&mut cpio, &order)?;
    add_busybox(&mut cpio, &busybox_root.join("bin/busybox"))?;
    for name in &order {
        let data = read(&modules.path(name)?)?;
        cpio.file(&format!("lib/modules/{name}.ko"), 0o644, &data)?;
    }
    add_nft(&mut cpio)?;

    // gzip, as Debian's own initramfs images are (the kernel has CONFIG_RD_GZIP); it shrinks the
    // initramfs from about 8.6 MB to 3.5 MB and costs no measurable boot time.
    let archive = work.path().join("initrd.cpio");
    write_atomically(&archive, &cpio.finish())?;
    run(
        "gzip",
        &["-9nf", &archive.to_string_lossy()],
        None,
        TOOL_TIMEOUT,
    )
    .map_err(|e| format!("cannot compress the initramfs: {e}"))?;
    copy_atomically(&archive.with_extension("cpio.gz"), &vm.initrd)?;
    copy_atomically(&root.join(&vmlinuz), &vm.kernel)?;
    prune_old_kernels(&debs, &package);
    Ok(vm)
}

/// The newest kernel in the cache with an initramfs of the current content hash, if any.
fn cached_build(dir: &Path) -> Option<LinuxRouterVm> {
    let suffix = format!("-{:016x}.cpio.gz", content_hash());
    let mut found: Vec<LinuxRouterVm> = fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_owned();
            let version = name.strip_prefix("initrd-")?.strip_suffix(&suffix)?;
            let kernel = dir.join(format!("vmlinuz-{version}"));
            kernel.is_file().then(|| LinuxRouterVm {
                kernel,
                initrd: entry.path(),
                kernel_version: version.to_owned(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.kernel_version.cmp(&b.kernel_version));
    found.pop()
}

/// A `QemuConfig` that boots `vm` directly (no disk) with `memory_mib` and `rules` on the kernel command
/// line, on the appliance's machine (the caller sets the NIC models, namespace and taps). QEMU gets
/// `-no-reboot`, so a kernel panic (`panic=-1` reboots at once) ends QEMU instead of looping.
pub fn linux_vm_config(vm: &LinuxRouterVm, rules: LinuxRules, memory_mib: u32) -> QemuConfig {
    let mut config = QemuConfig::direct(DirectKernel {
        kernel: vm.kernel.clone(),
        initrd: vm.initrd.clone(),
        append: format!(
            "console=ttyS0 quiet panic=-1 router.rules={}",
            rules.kernel_arg()
        ),
    });
    config.memory_mib = memory_mib;
    config.extra_args.push("-no-reboot".into());
    config
}

/// Bytes of kernel + initramfs (the "image size" metric); a missing file counts 0.
pub fn image_bytes(vm: &LinuxRouterVm) -> u64 {
    [&vm.kernel, &vm.initrd]
        .iter()
        .filter_map(|path| fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum()
}

fn cache_dir() -> PathBuf {
    image_builder::workspace_root().join("target/bench/linux-vm")
}

/// FNV-1a over everything the initramfs is made from that lives in this file.
fn content_hash() -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let layout = LAYOUT_VERSION.to_string();
    let parts = [INIT, SOHO_TABLES, SOHO_FORWARD, BUSYBOX_PACKAGE, &layout]
        .into_iter()
        .chain(MODULES.iter().copied());
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Runs `program args` (in `dir` if given) and returns its stdout, or an error with its output.
fn run(
    program: &str,
    args: &[&str],
    dir: Option<&Path>,
    timeout: Duration,
) -> Result<String, String> {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = run_with_timeout(command, timeout);
    if output.success() {
        Ok(output.stdout)
    } else if output.timed_out() && output.stderr.starts_with("cannot start") {
        Err(format!(
            "`{program}`: {} (is it installed?)",
            output.stderr.trim()
        ))
    } else {
        Err(output.to_string())
    }
}

/// Runs `apt-get update`, for machines whose package index is missing or stale.
fn apt_update() -> Result<(), String> {
    run("apt-get", &["update", "-qq"], None, APT_TIMEOUT)
        .map(drop)
        .map_err(|e| {
            format!(
                "cannot fetch the Debian package index (the Linux VM is built from Debian packages): {e}"
            )
        })
}

/// Runs `attempt`; when it fails, runs `apt-get update` and tries once more.
fn with_apt_retry<T>(mut attempt: impl FnMut() -> Result<T, String>) -> Result<T, String> {
    attempt().or_else(|first| {
        apt_update().map_err(|e| format!("{first}\nand then: {e}"))?;
        attempt()
    })
}

/// The versioned kernel image package the meta package depends on (`linux-image-6.1.0-NN-amd64`).
fn kernel_package() -> Result<String, String> {
    with_apt_retry(|| {
        let output = run(
            "apt-cache",
            &["depends", KERNEL_META_PACKAGE],
            None,
            TOOL_TIMEOUT,
        )
        .map_err(|e| format!("cannot resolve {KERNEL_META_PACKAGE} (is apt available?): {e}"))?;
        parse_kernel_depends(&output).ok_or_else(|| {
            format!("`apt-cache depends {KERNEL_META_PACKAGE}` names no kernel image:\n{output}")
        })
    })
}

/// The first `Depends: linux-image-…` line of `apt-cache depends` output.
fn parse_kernel_depends(output: &str) -> Option<String> {
    output.lines().find_map(|line| {
        let package = line.trim().strip_prefix("Depends:")?.trim();
        let package = package.trim_start_matches('<').trim_end_matches('>');
        (package.starts_with("linux-image-") && package != KERNEL_META_PACKAGE)
            .then(|| package.to_owned())
    })
}

/// The `.deb` of `package` in `debs/`, downloaded (into `work`, then moved) when missing.
fn download(debs: &Path, work: &Path, package: &str) -> Result<PathBuf, String> {
    if let Some(deb) = find_deb(debs, package)? {
        return Ok(deb);
    }
    with_apt_retry(|| {
        run(
            "apt-get",
            &["download", "-q", package],
            Some(work),
            APT_TIMEOUT,
        )
        .map_err(|e| format!("`apt-get download {package}` failed: {e}"))
    })?;
    let fetched = find_deb(work, package)?
        .ok_or_else(|| format!("`apt-get download {package}` left no {package}_*.deb"))?;
    let name = fetched.file_name().unwrap_or_default();
    let kept = debs.join(name);
    fs::rename(&fetched, &kept).map_err(|e| format!("cannot move {}: {e}", fetched.display()))?;
    Ok(kept)
}

/// Removes kernel packages of earlier kernel releases from `debs/` (70 MB each), keeping `current`.
fn prune_old_kernels(debs: &Path, current: &str) {
    let keep = [format!("{current}_"), format!("{current}-unsigned_")];
    let Ok(entries) = fs::read_dir(debs) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("linux-image-") && !keep.iter().any(|k| name.starts_with(k.as_str())) {
            let _ = fs::remove_file(&path);
        }
    }
}

fn find_deb(dir: &Path, package: &str) -> Result<Option<PathBuf>, String> {
    let prefix = format!("{package}_");
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    Ok(entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        }))
}

fn extract(deb: &Path, into: &Path) -> Result<(), String> {
    let (deb, into) = (deb.to_string_lossy(), into.to_string_lossy());
    run("dpkg-deb", &["-x", &deb, &into], None, TOOL_TIMEOUT)
        .map(drop)
        .map_err(|e| format!("cannot unpack {deb}: {e}"))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write_atomically(path: &Path, data: &[u8]) -> Result<(), String> {
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = File::create(&temporary)
        .and_then(|file| {
            let mut writer = BufWriter::new(file);
            writer.write_all(data)?;
            writer.into_inner().map_err(|e| e.into_error())?.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    result.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        format!("cannot write {}: {e}", path.display())
    })
}

fn copy_atomically(from: &Path, to: &Path) -> Result<(), String> {
    write_atomically(to, &read(from)?)
}

/// A scratch directory under the cache, removed when dropped (also on errors).
struct WorkDir(PathBuf);

impl WorkDir {
    fn create(cache: &Path) -> Result<Self, String> {
        let path = cache.join(format!("work-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Directories, `/dev/console` (the kernel opens it for `/init` before anything is mounted), `/init` and
/// the rule files.
fn add_base(cpio: &mut Cpio, modules: &[String]) -> Result<(), String> {
    for dir in ["proc", "sys", "dev", "tmp", "run", "etc/router"] {
        cpio.dir(dir)?;
    }
    // Character device 5:1 (devices.txt).
    cpio.char_device("dev/console", 0o600, 5, 1)?;
    cpio.file("init", 0o755, init_script(modules).as_bytes())?;
    cpio.file("etc/router/soho-tables.nft", 0o644, SOHO_TABLES.as_bytes())?;
    cpio.file(
        "etc/router/soho-forward.nft",
        0o644,
        SOHO_FORWARD.as_bytes(),
    )
}

/// `/bin/busybox` and a symlink for each applet at the path busybox lists for it.
fn add_busybox(cpio: &mut Cpio, busybox: &Path) -> Result<(), String> {
    cpio.file("bin/busybox", 0o755, &read(busybox)?)?;
    let list = run(
        &busybox.to_string_lossy(),
        &["--list-full"],
        None,
        TOOL_TIMEOUT,
    )
    .map_err(|e| format!("cannot list busybox's applets: {e}"))?;
    for applet in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if applet != "bin/busybox" {
            cpio.symlink(applet, "/bin/busybox")?;
        }
    }
    Ok(())
}

/// The host's `nft` (Debian package `nftables`) and every library `ldd` lists, dynamic loader included,
/// at the paths `ldd` prints.
fn add_nft(cpio: &mut Cpio) -> Result<(), String> {
    let nft = ["/usr/sbin/nft", "/sbin/nft"]
        .into_iter()
        .map(Path::new)
        .find(|path| path.is_file())
        .ok_or("nft is not installed on this machine (Debian package nftables)")?;
    let listing = run("ldd", &[&nft.to_string_lossy()], None, TOOL_TIMEOUT)
        .map_err(|e| format!("cannot list nft's libraries: {e}"))?;
    cpio.file("usr/sbin/nft", 0o755, &read(nft)?)?;
    for library in parse_ldd(&listing)? {
        let inside = library.trim_start_matches('/');
        cpio.file(inside, 0o755, &read(Path::new(&library))?)?;
    }
    Ok(())
}

/// The library paths in `ldd` output; the vDSO has none. A library `ldd` cannot find is an error.
fn parse_ldd(listing: &str) -> Result<Vec<String>, String> {
    let mut libraries = Vec::new();
    for line in listing.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.contains("not found") {
            return Err(format!("nft needs a library that is missing: {line}"));
        }
        // `name => /path (0x…)`, `/lib64/ld-linux-x86-64.so.2 (0x…)` or `linux-vdso.so.1 (0x…)`.
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(path) = path.filter(|p| p.starts_with('/')) {
            libraries.push(path.to_owned());
        }
    }
    Ok(libraries)
}

/// The modules of one kernel (`lib/modules/VERSION`): where each is, which are built in, and (built on
/// first need) who provides which alias.
struct ModuleTree {
    dir: PathBuf,
    paths: BTreeMap<String, PathBuf>,
    builtin: BTreeSet<String>,
    aliases: Option<HashMap<String, Vec<String>>>,
}

/// A module's name as the kernel knows it: the file name without `.ko`, `-` read as `_`.
fn module_name(file: &str) -> Option<String> {
    Some(file.strip_suffix(".ko")?.replace('-', "_"))
}

impl ModuleTree {
    fn open(dir: &Path) -> Result<Self, String> {
        let mut paths = BTreeMap::new();
        let mut compressed = None;
        let mut pending = vec![dir.join("kernel")];
        while let Some(current) = pending.pop() {
            let entries = fs::read_dir(&current)
                .map_err(|e| format!("cannot list {}: {e}", current.display()))?;
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let file = entry.file_name().to_string_lossy().into_owned();
                if let Some(name) = module_name(&file) {
                    paths.insert(name, path);
                } else if file.contains(".ko.") {
                    compressed = Some(path);
                }
            }
        }
        if paths.is_empty() {
            return Err(match compressed {
                // bookworm's kernels ship plain .ko files; later ones compress them.
                Some(path) => format!(
                    "the kernel's modules are compressed ({}); decompressing them is not implemented",
                    path.display()
                ),
                None => format!("no kernel modules under {}", dir.display()),
            });
        }
        let builtin_list = dir.join("modules.builtin");
        let builtin = fs::read_to_string(&builtin_list)
            .map_err(|e| format!("cannot read {}: {e}", builtin_list.display()))?
            .lines()
            .filter_map(|line| module_name(line.rsplit('/').next()?))
            .collect();
        Ok(Self {
            dir: dir.to_path_buf(),
            paths,
            builtin,
            aliases: None,
        })
    }

    fn path(&self, name: &str) -> Result<PathBuf, String> {
        self.paths
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no module {name} under {}", self.dir.display()))
    }

    /// `wanted` and everything they need, each after what it needs (insmod order).
    fn load_order(&mut self, wanted: &[&str]) -> Result<Vec<String>, String> {
        let mut order = Vec::new();
        let mut stack = Vec::new();
        for name in wanted {
            if !self.builtin.contains(*name) {
                self.visit(name, &mut stack, &mut order)?;
            }
        }
        Ok(order)
    }

    /// Depth-first: `softdep` "pre" modules and `depends` before `name`, "post" modules after it.
    fn visit(
        &mut self,
        name: &str,
        stack: &mut Vec<String>,
        order: &mut Vec<String>,
    ) -> Result<(), String> {
        if order.iter().any(|done| done == name) || self.builtin.contains(name) {
            return Ok(());
        }
        if stack.iter().any(|open| open == name) {
            return Err(format!(
                "module dependency cycle: {} -> {name}",
                stack.join(" -> ")
            ));
        }
        let info = modinfo(&self.path(name)?)?;
        let mut before = Vec::new();
        let mut after = Vec::new();
        for (key, value) in &info {
            match key.as_str() {
                "depends" => before.extend(
                    value
                        .split(',')
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned),
                ),
                "softdep" => {
                    let (pre, post) = parse_softdep(value);
                    for soft in pre {
                        before.extend(self.resolve_soft(&soft)?);
                    }
                    for soft in post {
                        after.extend(self.resolve_soft(&soft)?);
                    }
                }
                _ => {}
            }
        }
        stack.push(name.to_owned());
        for dependency in &before {
            self.visit(dependency, stack, order)?;
        }
        stack.pop();
        order.push(name.to_owned());
        for dependency in &after {
            self.visit(dependency, stack, order)?;
        }
        Ok(())
    }

    /// A soft dependency names a module or an alias (libcrc32c's `pre: crc32c`). Among several
    /// providers of an alias the generic implementation wins: the VM's CPU is QEMU's default model,
    /// which lacks the extensions the optimised ones (crc32c_intel needs SSE4.2) refuse to load without.
    /// A soft dependency nobody provides is skipped, as modprobe does.
    fn resolve_soft(&mut self, name: &str) -> Result<Option<String>, String> {
        let name = name.replace('-', "_");
        if self.paths.contains_key(&name) || self.builtin.contains(&name) {
            return Ok(Some(name));
        }
        if self.aliases.is_none() {
            let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
            for (module, path) in &self.paths {
                for (key, value) in modinfo(path)? {
                    if key == "alias" {
                        aliases.entry(value).or_default().push(module.clone());
                    }
                }
            }
            self.aliases = Some(aliases);
        }
        let Some(aliases) = &self.aliases else {
            return Ok(None);
        };
        let Some(providers) = aliases
            .get(&name)
            .or_else(|| aliases.get(&name.replace('_', "-")))
        else {
            return Ok(None);
        };
        let generic = providers.iter().find(|p| p.contains("generic"));
        Ok(generic.or(providers.first()).cloned())
    }
}

/// The module names of a `softdep=` value (`pre: a b post: c`), as (pre, post).
fn parse_softdep(value: &str) -> (Vec<String>, Vec<String>) {
    let (mut pre, mut post) = (Vec::new(), Vec::new());
    let mut into_post = false;
    for token in value.split_whitespace() {
        match token {
            "pre:" => into_post = false,
            "post:" => into_post = true,
            module if into_post => post.push(module.to_owned()),
            module => pre.push(module.to_owned()),
        }
    }
    (pre, post)
}

/// The `key=value` strings of a kernel module's `.modinfo` ELF section (what `modinfo` prints). Reads
/// only the headers and that section, so scanning every module of a kernel is cheap.
fn modinfo(path: &Path) -> Result<Vec<(String, String)>, String> {
    let bad = |why: &str| format!("{}: {why}", path.display());
    let mut file = File::open(path).map_err(|e| bad(&format!("cannot open: {e}")))?;
    let mut header = [0u8; 64];
    file.read_exact(&mut header)
        .map_err(|_| bad("too short for an ELF header"))?;
    // ELF64 little-endian (e_ident: magic, EI_CLASS = 2, EI_DATA = 1).
    if header[..4] != *b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return Err(bad("not a 64-bit little-endian ELF file"));
    }
    let u16_at = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let u32_at =
        |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]));
    let u64_at =
        |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
    // e_shoff at 0x28, e_shentsize 0x3a, e_shnum 0x3c, e_shstrndx 0x3e.
    let table_offset = u64_at(&header, 0x28);
    let entry_size = usize::from(u16_at(&header, 0x3a));
    let count = usize::from(u16_at(&header, 0x3c));
    let names_index = usize::from(u16_at(&header, 0x3e));
    if entry_size != 64 || names_index >= count {
        return Err(bad("unexpected section header table"));
    }
    let mut table = vec![0u8; entry_size * count];
    file.seek(SeekFrom::Start(table_offset))
        .and_then(|_| file.read_exact(&mut table))
        .map_err(|_| bad("section header table out of the file"))?;
    let section = |index: usize| &table[index * entry_size..(index + 1) * entry_size];
    // sh_name at 0, sh_offset at 0x18, sh_size at 0x20.
    let mut read_section = |index: usize| -> Result<Vec<u8>, String> {
        let entry = section(index);
        let (offset, size) = (u64_at(entry, 0x18), u64_at(entry, 0x20));
        if size > 16 << 20 {
            return Err(bad("implausibly large section"));
        }
        let mut data = vec![0u8; size as usize];
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut data))
            .map_err(|_| bad("section out of the file"))?;
        Ok(data)
    };
    let names = read_section(names_index)?;
    let name_of = |index: usize| {
        let start = u32_at(section(index), 0) as usize;
        let rest = names.get(start..).unwrap_or_default();
        &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]
    };
    let Some(index) = (0..count).find(|&i| name_of(i) == b".modinfo") else {
        return Err(bad("no .modinfo section (not a kernel module?)"));
    };
    let data = read_section(index)?;
    Ok(data
        .split(|&b| b == 0)
        .filter_map(|entry| {
            let text = std::str::from_utf8(entry).ok()?;
            let (key, value) = text.split_once('=')?;
            Some((key.to_owned(), value.to_owned()))
        })
        .collect())
}

/// A newc ("new ASCII", magic 070701) cpio archive, the format the kernel unpacks as initramfs
/// (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte header of
/// 8-digit hex fields, the NUL-terminated name, padding to 4 bytes, the data, padding to 4 bytes; the
/// archive ends with an entry named `TRAILER!!!`. Parent directories are added before their entries,
/// since the kernel does not create them.
#[derive(Default)]
struct Cpio {
    out: Vec<u8>,
    inode: u32,
    dirs: BTreeSet<String>,
}

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;

impl Cpio {
    fn dir(&mut self, path: &str) -> Result<(), String> {
        if path.is_empty() || self.dirs.contains(path) {
            return Ok(());
        }
        self.parents(path)?;
        self.dirs.insert(path.to_owned());
        self.entry(path, S_IFDIR | 0o755, 2, (0, 0), &[])
    }

    fn file(&mut self, path: &str, permissions: u32, data: &[u8]) -> Result<(), String> {
        self.parents(path)?;
        self.entry(path, S_IFREG | permissions, 1, (0, 0), data)
    }

    fn symlink(&mut self, path: &str, target: &str) -> Result<(), String> {
        self.parents(path)?;
        self.entry(path, S_IFLNK | 0o777, 1, (0, 0), target.as_bytes())
    }

    fn char_device(
        &mut self,
        path: &str,
        permissions: u32,
        major: u32,
        minor: u32,
    ) -> Result<(), String> {
        self.parents(path)?;
        self.entry(path, S_IFCHR | permissions, 1, (major, minor), &[])
    }

    fn parents(&mut self, path: &str) -> Result<(), String> {
        match path.rsplit_once('/') {
            Some((parent, _)) => self.dir(parent),
            None => Ok(()),
        }
    }

    fn entry(
        &mut self,
        path: &str,
        mode: u32,
        links: u32,
        (rdev_major, rdev_minor): (u32, u32),
        data: &[u8],
    ) -> Result<(), String> {
        if path.starts_with('/')
            || path.contains('\0')
            || path.split('/').any(|p| p.is_empty() || p == "..")
        {
            return Err(format!("bad initramfs path {path:?}"));
        }
        let size = u32::try_from(data.len())
            .map_err(|_| format!("{path} is too large for a cpio archive"))?;
        let name_size = u32::try_from(path.len() + 1)
            .map_err(|_| format!("initramfs path too long: {path}"))?;
        self.inode += 1;
        let fields = [
            self.inode, mode, 0, 0, links, 0, size, 0, 0, rdev_major, rdev_minor, name_size, 0,
        ];
        self.write_header(&fields, path, data);
        Ok(())
    }

    fn write_header(&mut self, fields: &[u32; 13], name: &str, data: &[u8]) {
        // c_ino c_mode c_uid c_gid c_nlink c_mtime c_filesize c_devmajor c_devminor c_rdevmajor
        // c_rdevminor c_namesize c_check: the order of the newc header.
        let mut header = String::from("070701");
        for field in fields {
            let _ = write!(header, "{field:08x}");
        }
        self.out.extend_from_slice(header.as_bytes());
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        let fields = [
            0,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            "TRAILER!!!".len() as u32 + 1,
            0,
        ];
        self.write_header(&fields, "TRAILER!!!", &[]);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpio_entries_follow_the_newc_layout() {
        let mut cpio = Cpio::default();
        cpio.file("bin/x", 0o755, b"hello").unwrap();
        cpio.symlink("bin/sh", "/bin/busybox").unwrap();
        cpio.char_device("dev/console", 0o600, 5, 1).unwrap();
        let out = cpio.finish();
        // The parent directory comes first, named without a leading slash.
        assert_eq!(&out[..6], b"070701");
        assert_eq!(&out[110..114], b"bin\0");
        let mode = u32::from_str_radix(std::str::from_utf8(&out[14..22]).unwrap(), 16).unwrap();
        assert_eq!(mode, S_IFDIR | 0o755);
        // Every header starts 4-byte aligned; the file's data follows its padded name.
        let at = out.windows(6).position(|w| w == b"bin/x\0").unwrap() - 110;
        assert_eq!(at % 4, 0);
        let size = u32::from_str_radix(std::str::from_utf8(&out[at + 54..at + 62]).unwrap(), 16);
        assert_eq!(size, Ok(5));
        assert_eq!(&out[at + 116..at + 121], b"hello");
        let console = out.windows(12).position(|w| w == b"dev/console\0").unwrap() - 110;
        assert_eq!(&out[console + 78..console + 94], b"0000000500000001");
        let trailer = out.windows(11).position(|w| w == b"TRAILER!!!\0").unwrap() - 110;
        assert_eq!(&out[trailer..trailer + 6], b"070701");
        assert_eq!(out.len() % 4, 0);
        assert!(Cpio::default().file("/abs", 0o644, b"").is_err());
        assert!(Cpio::default().file("a/../b", 0o644, b"").is_err());
    }

    #[test]
    fn parses_tool_output() {
        let depends = "linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n";
        assert_eq!(
            parse_kernel_depends(depends).as_deref(),
            Some("linux-image-6.1.0-56-amd64")
        );
        assert_eq!(parse_kernel_depends("linux-image-amd64\n"), None);
        let ldd = "\tlinux-vdso.so.1 (0x00007ffd)\n\
                   \tlibnftables.so.1 => /lib/x86_64-linux-gnu/libnftables.so.1 (0x00007f44)\n\
                   \t/lib64/ld-linux-x86-64.so.2 (0x00007f44)\n";
        assert_eq!(
            parse_ldd(ldd).unwrap(),
            [
                "/lib/x86_64-linux-gnu/libnftables.so.1",
                "/lib64/ld-linux-x86-64.so.2"
            ]
        );
        assert!(parse_ldd("\tlibfoo.so.1 => not found\n").is_err());
        assert_eq!(
            parse_softdep("pre: crc32c post: a b"),
            (
                vec!["crc32c".to_owned()],
                vec!["a".to_owned(), "b".to_owned()]
            )
        );
    }

    #[test]
    fn rules_go_on_the_kernel_command_line() {
        let vm = LinuxRouterVm {
            kernel: "vmlinuz".into(),
            initrd: "initrd.cpio".into(),
            kernel_version: "6.1.0-56-amd64".into(),
        };
        let config = linux_vm_config(&vm, LinuxRules::SohoWithExtraRules(1000), 96);
        let direct = config.direct_kernel.as_ref().unwrap();
        assert_eq!(
            direct.append,
            "console=ttyS0 quiet panic=-1 router.rules=soho+1000"
        );
        assert_eq!(config.memory_mib, 96);
        assert_eq!(LinuxRules::PlainForwarding.kernel_arg(), "plain");
        assert_eq!(LinuxRules::SohoFlowtable.kernel_arg(), "soho-flowtable");
        let script = init_script(&["a".into(), "b".into()]);
        assert!(script.contains("for module in a b; do"));
        assert!(script.contains(LINUX_READY));
        for placeholder in ["@MODULES@", "@READY@", "@FAILED@"] {
            assert!(!script.contains(placeholder), "{placeholder} left in /init");
        }
    }
}
