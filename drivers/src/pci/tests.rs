//! Enumeration and BAR-sizing tests against [`FakePci`](super::fake::FakePci): an i440FX-like machine, bridges,
//! bridge loops, multi-function host bridges and garbage configuration values.

use alloc::string::ToString;
use alloc::vec::Vec;

use super::fake::{FakeFunction, FakePci};
use super::*;

fn addr(bus: u8, device: u8, function: u8) -> PciAddress {
    PciAddress::new(bus, device, function).unwrap()
}

/// QEMU `-M pc`-like bus 0 plus a PCI bridge to bus 1 with a virtio-blk behind it.
fn i440fx() -> FakePci {
    FakePci::default()
        .with(0, 0, 0, FakeFunction::new(0x8086, 0x1237, 0x06, 0x00, 0x00))
        .with(
            0,
            1,
            0,
            FakeFunction::new(0x8086, 0x7000, 0x06, 0x01, 0x00).header(0x80),
        )
        .with(
            0,
            1,
            1,
            FakeFunction::new(0x8086, 0x7010, 0x01, 0x01, 0x80).io_bar(4, 0xc060, 16),
        )
        .with(
            0,
            1,
            3,
            FakeFunction::new(0x8086, 0x7113, 0x06, 0x80, 0x00).irq(9, 1),
        )
        .with(
            0,
            2,
            0,
            FakeFunction::new(0x1234, 0x1111, 0x03, 0x00, 0x00)
                .mem32_bar(0, 0xfd00_0000, 16 << 20, true)
                .mem32_bar(2, 0xfebf_0000, 4096, false),
        )
        .with(
            0,
            3,
            0,
            FakeFunction::new(0x1af4, 0x1000, 0x02, 0x00, 0x00)
                .irq(11, 1)
                .status(0x8010) // capabilities list + a pending RW1C error bit that must survive
                .io_bar(0, 0xc040, 32)
                .mem32_bar(1, 0xfebf_1000, 4096, false)
                .mem64_bar(4, 0xfe00_0000, 0x4000, true),
        )
        .with(
            0,
            4,
            0,
            FakeFunction::new(0x8086, 0x100e, 0x02, 0x00, 0x00)
                .irq(10, 1)
                .mem32_bar(0, 0xfebc_0000, 128 << 10, false)
                .io_bar(1, 0xc000, 64),
        )
        .with(
            0,
            5,
            0,
            FakeFunction::new(0x1b36, 0x0001, 0x06, 0x04, 0x00)
                .header(0x01)
                .buses(0, 1, 1)
                .mem32_bar(0, 0xfebf_2000, 256, false),
        )
        .with(
            1,
            0,
            0,
            FakeFunction::new(0x1af4, 0x1001, 0x01, 0x00, 0x00)
                .irq(10, 1)
                .io_bar(0, 0xd000, 64),
        )
        // Function 1 without function 0: the device is absent and this must not be reported.
        .with(0, 7, 1, FakeFunction::new(0x8086, 0x7010, 0x01, 0x01, 0x80))
}

#[test]
fn i440fx_enumeration() {
    let mut cs = i440fx();
    let before = cs.functions.clone();
    let devices = enumerate(&mut cs);

    let found: Vec<_> = devices.iter().map(|d| d.address.to_string()).collect();
    assert_eq!(
        found,
        [
            "00:00.0", "00:01.0", "00:01.1", "00:01.3", "00:02.0", "00:03.0", "00:04.0", "00:05.0",
            "01:00.0"
        ]
    );

    // Every BAR and the Command register are back to their original values; Status error bits survived.
    assert_eq!(cs.functions, before);
    assert!(cs.violations.is_empty(), "{:?}", cs.violations);

    let net = &devices[5];
    assert_eq!(
        (
            net.vendor_id,
            net.device_id,
            net.class,
            net.interrupt_line,
            net.interrupt_pin
        ),
        (0x1af4, 0x1000, 2, 11, 1)
    );
    assert_eq!(
        net.bars,
        [
            Some(Bar::Io {
                port: 0xc040,
                size: 32
            }),
            Some(Bar::Memory32 {
                address: 0xfebf_1000,
                size: 4096,
                prefetchable: false
            }),
            None,
            None,
            Some(Bar::Memory64 {
                address: 0xfe00_0000,
                size: 0x4000,
                prefetchable: true
            }),
            None,
        ]
    );
    assert_eq!(
        net.to_string(),
        "00:03.0 1af4:1000 class 02.00.00 Ethernet controller [virtio-net] irq 11 \
         BAR0 io 0xc040/32 BAR1 mem32 0xfebf1000/4K BAR4 mem64 0xfe000000/16K pref"
    );

    let ide = &devices[2];
    assert_eq!(
        ide.bars[4],
        Some(Bar::Io {
            port: 0xc060,
            size: 16
        })
    );
    assert_eq!(
        ide.to_string(),
        "00:01.1 8086:7010 class 01.01.80 IDE interface [PIIX3 IDE] BAR4 io 0xc060/16"
    );
    assert_eq!(
        devices[3].to_string(),
        "00:01.3 8086:7113 class 06.80.00 Bridge [PIIX4 ACPI] irq 9"
    );
    assert_eq!(
        devices[4].to_string(),
        "00:02.0 1234:1111 class 03.00.00 VGA compatible controller [QEMU VGA] BAR0 mem32 0xfd000000/16M pref \
         BAR2 mem32 0xfebf0000/4K"
    );
    assert_eq!(
        devices[6].bars[0],
        Some(Bar::Memory32 {
            address: 0xfebc_0000,
            size: 128 << 10,
            prefetchable: false
        })
    );
    assert_eq!(
        devices[6].bars[1],
        Some(Bar::Io {
            port: 0xc000,
            size: 64
        })
    );

    let bridge = &devices[7];
    assert!(bridge.is_pci_bridge());
    assert_eq!(
        bridge.bars[0],
        Some(Bar::Memory32 {
            address: 0xfebf_2000,
            size: 256,
            prefetchable: false
        })
    );
    assert_eq!(
        bridge.to_string(),
        "00:05.0 1b36:0001 class 06.04.00 PCI bridge [QEMU PCI bridge] BAR0 mem32 0xfebf2000/256"
    );

    assert_eq!(
        devices[8].to_string(),
        "01:00.0 1af4:1001 class 01.00.00 SCSI storage controller [virtio-blk] irq 10 BAR0 io 0xd000/64"
    );
    assert!(devices[0].is_host_bridge());
    assert!(devices[1].is_multi_function());
}

#[test]
fn sizing_disables_decoding_only_while_probing() {
    // Decoding on: the fake flags any all-ones BAR write while I/O or memory decode is enabled.
    let f = FakeFunction::new(0x1af4, 0x1000, 0x02, 0x00, 0x00)
        .command(0x0007)
        .io_bar(0, 0xc040, 32);
    let mut cs = FakePci::default().with(0, 3, 0, f);
    let bars = probe_bars(&mut cs, addr(0, 3, 0), 6, true);
    assert_eq!(
        bars[0],
        Some(Bar::Io {
            port: 0xc040,
            size: 32
        })
    );
    assert!(cs.violations.is_empty());
    assert_eq!(cs.read16(addr(0, 3, 0), regs::COMMAND), 0x0007);

    // The same probe with decoding left on is what the fake is there to catch.
    let mut cs = FakePci::default().with(
        0,
        3,
        0,
        FakeFunction::new(1, 2, 2, 0, 0).io_bar(0, 0xc040, 32),
    );
    probe_bars(&mut cs, addr(0, 3, 0), 6, false);
    assert_eq!(cs.violations.len(), 1);
}

#[test]
fn bridge_loops_terminate() {
    // Bus 0 bridge → bus 2; bus 2 has a bridge back to bus 0 and one to itself; bus 0 also has a bridge to 0.
    let bridge = |secondary| {
        FakeFunction::new(0x1b36, 0x0001, 0x06, 0x04, 0x00)
            .header(0x01)
            .buses(0, secondary, 0xff)
    };
    let mut cs = FakePci::default()
        .with(0, 0, 0, FakeFunction::new(0x8086, 0x1237, 0x06, 0x00, 0x00))
        .with(0, 1, 0, bridge(2))
        .with(0, 2, 0, bridge(0))
        .with(2, 0, 0, bridge(0))
        .with(2, 1, 0, bridge(2))
        .with(2, 5, 0, FakeFunction::new(0x8086, 0x100e, 0x02, 0x00, 0x00));
    let found: Vec<_> = enumerate(&mut cs)
        .iter()
        .map(|d| d.address.to_string())
        .collect();
    assert_eq!(
        found,
        [
            "00:00.0", "00:01.0", "00:02.0", "02:00.0", "02:01.0", "02:05.0"
        ]
    );
}

#[test]
fn deep_bridge_chain_visits_each_bus_once() {
    // Every bus b has a bridge at b:00.0 to bus b+1 (wrapping): all 256 buses, each scanned exactly once.
    let mut cs = FakePci::default();
    for bus in 0..=255u8 {
        let f = FakeFunction::new(0x1b36, 0x0001, 0x06, 0x04, 0x00)
            .header(0x01)
            .buses(bus, bus.wrapping_add(1), 0xff);
        cs.functions.insert(addr(bus, 0, 0), f);
    }
    let devices = enumerate(&mut cs);
    assert_eq!(devices.len(), 256);
    assert!(devices.windows(2).all(|w| w[0].address < w[1].address));
}

#[test]
fn multi_function_host_bridge_scans_one_bus_per_function() {
    let host =
        |f: u8| FakeFunction::new(0x8086, 0x1237 + u16::from(f), 0x06, 0x00, 0x00).header(0x80);
    let mut cs = FakePci::default()
        .with(0, 0, 0, host(0))
        .with(0, 0, 1, host(1))
        .with(0, 0, 3, host(3))
        .with(1, 2, 0, FakeFunction::new(0x1af4, 0x1041, 0x02, 0x00, 0x00))
        .with(3, 4, 0, FakeFunction::new(0x1af4, 0x1042, 0x01, 0x00, 0x00))
        // Bus 2 has no host controller (00:00.2 absent), so this is unreachable.
        .with(2, 0, 0, FakeFunction::new(0x1af4, 0x1042, 0x01, 0x00, 0x00));
    let found: Vec<_> = enumerate(&mut cs)
        .iter()
        .map(|d| d.address.to_string())
        .collect();
    assert_eq!(
        found,
        ["00:00.0", "00:00.1", "00:00.3", "01:02.0", "03:04.0"]
    );
}

#[test]
fn empty_machine_finds_nothing() {
    assert!(enumerate(&mut FakePci::default()).is_empty());
}

#[test]
fn garbage_bars_decode_without_panicking() {
    let a = addr(0, 6, 0);
    let f = FakeFunction::new(0xabcd, 0x0001, 0x02, 0x00, 0x00)
        .raw_bar(0, u32::MAX, u32::MAX) // all-ones: impossible value → None
        .raw_bar(1, 0x6, 0) // reserved memory type 11b → None
        .raw_bar(2, 0, 0) // hard-wired zero = unimplemented → None
        .raw_bar(3, 0x0000_0001, 0xffff_fffc) // I/O BAR, every address bit writable → 4 bytes
        .raw_bar(4, 0x0000_0000, 0x8000_0000) // 2 GiB memory BAR
        .raw_bar(5, 0x0000_0004, 0xffff_fff0); // 64-bit BAR in the last slot → None
    let mut cs = FakePci::default().with(0, 6, 0, f);
    let before = cs.functions.clone();
    let d = read_function(&mut cs, a).unwrap();
    assert_eq!(
        d.bars,
        [
            None,
            None,
            None,
            Some(Bar::Io { port: 0, size: 4 }),
            Some(Bar::Memory32 {
                address: 0,
                size: 0x8000_0000,
                prefetchable: false
            }),
            None,
        ]
    );
    assert_eq!(cs.functions, before);
    let _ = d.to_string();

    // A 64-bit BAR whose upper half is fully writable but lower half is not: size comes from the upper half.
    let f = FakeFunction::new(1, 1, 0, 0, 0)
        .raw_bar(0, 0x4, 0)
        .raw_bar(1, 0x1, u32::MAX);
    let mut cs = FakePci::default().with(0, 6, 0, f);
    let d = read_function(&mut cs, a).unwrap();
    assert_eq!(
        d.bars[0],
        Some(Bar::Memory64 {
            address: 0x1_0000_0000,
            size: 1 << 32,
            prefetchable: false
        })
    );
}

/// Answers every read with pseudo-random data (xorshift) and ignores writes: every slot looks present,
/// multi-function and sometimes a bridge to an arbitrary bus.
struct NoiseConfig {
    state: u64,
    accesses: usize,
}

impl ConfigSpace for NoiseConfig {
    fn read32(&mut self, _: PciAddress, offset: u8) -> u32 {
        assert_eq!(offset % 4, 0);
        self.accesses += 1;
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        // Bias some reads towards bridges so secondary buses get followed.
        let v = self.state as u32;
        match offset {
            0x08 if v & 1 == 0 => 0x0604_0000 | (v & 0xffff),
            0x0c if v & 2 == 0 => 0x0081_0000 | (v & 0xff00_ffff),
            _ => v,
        }
    }
    fn write32(&mut self, _: PciAddress, _: u8, _: u32) {
        self.accesses += 1;
    }
}

#[test]
fn noise_terminates_without_panicking() {
    for seed in [1u64, 0xdead_beef, 0x1234_5678_9abc_def0, u64::MAX] {
        let mut cs = NoiseConfig {
            state: seed,
            accesses: 0,
        };
        let devices = enumerate(&mut cs);
        assert!(devices.len() <= 256 * 32 * 8);
        assert!(devices.windows(2).all(|w| w[0].address <= w[1].address));
        for d in &devices {
            let _ = d.to_string();
        }
        // Bound: ≤ 256 buses × 256 functions × (header + BAR probing) accesses.
        assert!(cs.accesses < 256 * 256 * 64, "{}", cs.accesses);
    }
}

#[test]
fn all_ones_everywhere_is_an_empty_bus() {
    struct AllOnes;
    impl ConfigSpace for AllOnes {
        fn read32(&mut self, _: PciAddress, _: u8) -> u32 {
            u32::MAX
        }
        fn write32(&mut self, _: PciAddress, _: u8, _: u32) {}
    }
    assert!(enumerate(&mut AllOnes).is_empty());
}

#[test]
fn enable_bits_touch_only_what_was_asked() {
    let a = addr(0, 3, 0);
    let f = FakeFunction::new(0x1af4, 0x1000, 0x02, 0x00, 0x00)
        .command(0x0000)
        .status(0x8010);
    let mut cs = FakePci::default().with(0, 3, 0, f);
    enable_io_space(&mut cs, a);
    assert_eq!(cs.read16(a, regs::COMMAND), COMMAND_IO_SPACE);
    enable_memory_space(&mut cs, a);
    enable_bus_master(&mut cs, a);
    assert_eq!(cs.read16(a, regs::COMMAND), 0x0007);
    assert_eq!(
        cs.read16(a, regs::STATUS),
        0x8010,
        "RW1C status bits must not be cleared"
    );
    assert_eq!(
        update_command(&mut cs, a, COMMAND_INTX_DISABLE, COMMAND_IO_SPACE),
        0x0406
    );
    assert_eq!(cs.read16(a, regs::COMMAND), 0x0406);
}
