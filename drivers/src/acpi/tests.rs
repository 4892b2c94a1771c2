//! End-to-end tests of [`discover`] over synthetic firmware images in a [`FakeMemory`]: a QEMU i440FX-like
//! ACPI 1.0 layout, an ACPI 2.0+ XSDT layout with a reset register, and a catalogue of broken images.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use super::fake::{
    FadtBuilder, FakeMemory, dsdt, fix_checksum, rsdp_v1, rsdp_v2, rsdt, table, xsdt,
};
use super::*;

const RSDP: u64 = 0x000f_5a40;
const RSDT: u64 = 0x7ffe_1a00;
const FACP: u64 = 0x7ffe_1800;
const APIC: u64 = 0x7ffe_1900;
const DSDT: u64 = 0x7ffe_0040;

/// AML resembling QEMU's DSDT around `\_S5`: a scope with an operation region, a method that *references*
/// `\_S5_` (must be skipped), the `\_S5_` definition, then more AML.
fn i440fx_aml(s5_package: &[u8]) -> Vec<u8> {
    let mut aml = vec![
        0x10, 0x15, b'\\', b'_', b'S', b'B', b'_', // Scope(\_SB_) ...
        0x5b, 0x80, b'P', b'O', b'R', b'T', 0x01, 0x0a, 0x80,
        0x01, // OperationRegion(PORT, SystemIO, 0x80, 1)
        0x14, 0x0b, b'M', b'T', b'H', b'D', 0x00, 0xa4, b'\\', b'_', b'S', b'5',
        b'_', // Method(MTHD){Return(\_S5_)}
        0x08, b'\\', b'_', b'S', b'5', b'_',
    ];
    aml.extend_from_slice(s5_package);
    aml.extend_from_slice(&[
        0x08, b'_', b'S', b'4', b'_', 0x12, 0x06, 0x04, 0x0a, 0x02, 0x00, 0x00, 0x00,
    ]);
    aml
}

fn i440fx_fadt() -> FadtBuilder {
    // ACPI 1.0 FADT (116 bytes): no reset register, no X_ fields.
    FadtBuilder::new(116, 1)
        .u32(40, DSDT as u32)
        .u16(46, 9) // SCI_INT
        .u32(48, 0xb2) // SMI_CMD
        .u8(52, 0xf1) // ACPI_ENABLE
        .u8(53, 0xf0) // ACPI_DISABLE
        .u32(56, 0x600) // PM1a_EVT_BLK
        .u32(64, 0x604) // PM1a_CNT_BLK
        .u32(76, 0x608) // PM_TMR_BLK
        .u32(112, 0x0000_04a5) // flags, RESET_REG_SUP set but the table is too short to hold RESET_REG
}

fn i440fx() -> FakeMemory {
    let mut mem = FakeMemory::default();
    mem.place(RSDP, rsdp_v1(RSDT as u32))
        .place(RSDT, rsdt(&[FACP as u32, 0, APIC as u32]))
        .place(FACP, i440fx_fadt().build())
        .place(APIC, table(b"APIC", 1, &[0; 8]))
        .place(
            DSDT,
            dsdt(&i440fx_aml(&[0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00])),
        );
    mem
}

#[test]
fn qemu_i440fx_acpi1_layout() {
    let pc = discover(&i440fx(), RSDP).unwrap();
    assert_eq!(
        pc,
        PowerControl {
            pm1a_cnt: Some(0x604),
            pm1b_cnt: None,
            slp_typ_a: 0,
            slp_typ_b: 0,
            reset: None,
            sci_irq: 9,
            smi_cmd: 0xb2,
            acpi_enable: 0xf1,
        }
    );
    assert_eq!(pc.shutdown_writes().collect::<Vec<_>>(), [(0x604, 0x2000)]);
    assert_eq!(pc.acpi_enable_write(0x0000), Some((0xb2, 0xf1)));
    assert_eq!(pc.acpi_enable_write(0x0001), None);
}

const XSDT_ADDR: u64 = 0x1_0000_0000;
const FACP64: u64 = 0x1_0000_1000;
const DSDT64: u64 = 0x1_0000_2000;
const SSDT64: u64 = 0x1_0000_3000;

fn v2_fadt() -> FadtBuilder {
    // ACPI 6 FADT (276 bytes) with X_ fields; the legacy PM1a field is stale and must be ignored.
    FadtBuilder::new(276, 6)
        .u32(40, 0) // DSDT (32-bit) zero: X_DSDT must be used
        .u16(46, 9)
        .u32(64, 0x1234) // PM1a_CNT_BLK, superseded by X_PM1a_CNT_BLK
        .u32(68, 0xb104) // PM1b_CNT_BLK, used because X_PM1b_CNT_BLK is zero
        .u32(112, FLAG_RESET_REG_SUP)
        .gas(116, 1, 8, 0xcf9) // RESET_REG: system I/O 0xCF9
        .u8(128, 0x06) // RESET_VALUE
        .u64(140, DSDT64) // X_DSDT
        .gas(172, 1, 16, 0xb004) // X_PM1a_CNT_BLK
}

fn v2_aml() -> Vec<u8> {
    vec![
        0x08, b'_', b'S', b'5', b'_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00,
    ]
}

fn v2() -> FakeMemory {
    let mut mem = FakeMemory::default();
    // The RSDT pointer is garbage: a revision-2 RSDP must use the XSDT.
    mem.place(RSDP, rsdp_v2(0xdead_0000, XSDT_ADDR))
        .place(XSDT_ADDR, xsdt(&[SSDT64, 0, FACP64]))
        .place(
            SSDT64,
            table(
                b"SSDT",
                2,
                &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x02, 0x01, 0x01],
            ),
        )
        .place(FACP64, v2_fadt().build())
        .place(DSDT64, dsdt(&v2_aml()));
    mem
}

#[test]
fn acpi2_xsdt_layout_with_reset_register() {
    let pc = discover(&v2(), RSDP).unwrap();
    assert_eq!(pc.pm1a_cnt, Some(0xb004));
    assert_eq!(pc.pm1b_cnt, Some(0xb104));
    assert_eq!((pc.slp_typ_a, pc.slp_typ_b), (5, 6));
    assert_eq!(
        pc.reset,
        Some(ResetRegister {
            space: AddressSpace::SystemIo,
            address: 0xcf9,
            value: 6
        })
    );
    assert_eq!(pc.reset.and_then(|r| r.io_port()), Some(0xcf9));
    assert_eq!((pc.sci_irq, pc.smi_cmd, pc.acpi_enable), (9, 0, 0));
    assert_eq!(
        pc.shutdown_writes().collect::<Vec<_>>(),
        [(0xb004, 0x3400), (0xb104, 0x3800)]
    );
    // SMI_CMD = 0: no legacy mode, so there is nothing to write even if SCI_EN reads clear.
    assert_eq!(pc.acpi_enable_write(0), None);
}

#[test]
fn reset_register_needs_the_flag() {
    let mut mem = v2();
    mem.place(FACP64, v2_fadt().u32(112, 0).build());
    assert_eq!(discover(&mem, RSDP).unwrap().reset, None);
}

#[test]
fn rsdp_failures() {
    let mut mem = i440fx();
    mem.regions.get_mut(&RSDP).unwrap()[10] ^= 0x55;
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadRsdpChecksum { address: RSDP })
    );

    let mut mem = i440fx();
    mem.regions.get_mut(&RSDP).unwrap()[0] = b'X';
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadRsdpSignature { address: RSDP })
    );

    // v2: the first 20 bytes are fine but the extended checksum is not.
    let mut mem = v2();
    mem.regions.get_mut(&RSDP).unwrap()[33] = 0x77;
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadRsdpExtendedChecksum { address: RSDP })
    );

    let mut mem = v2();
    mem.regions.get_mut(&RSDP).unwrap()[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadRsdpLength {
            address: RSDP,
            length: u32::MAX
        })
    );

    // A v2 RSDP cut off after the v1 part.
    let mut mem = v2();
    mem.regions.get_mut(&RSDP).unwrap().truncate(20);
    assert!(matches!(
        discover(&mem, RSDP),
        Err(AcpiError::Unreadable { .. })
    ));

    // Pointer outside memory, including one whose range would wrap around 2^64.
    assert_eq!(
        discover(&i440fx(), 0x1234),
        Err(AcpiError::Unreadable {
            address: 0x1234,
            len: 20
        })
    );
    assert_eq!(
        discover(&i440fx(), u64::MAX - 3),
        Err(AcpiError::Unreadable {
            address: u64::MAX - 3,
            len: 20
        })
    );
}

#[test]
fn table_failures() {
    // RSDT claims 0x200 bytes but only its first 48 are there.
    let mut mem = i440fx();
    let mut short = rsdt(&[FACP as u32, 0, APIC as u32]);
    short[4..8].copy_from_slice(&0x200u32.to_le_bytes());
    short.truncate(48);
    mem.place(RSDT, short);
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::TableTruncated {
            signature: Signature::RSDT,
            address: RSDT,
            length: 0x200
        })
    );

    // FADT whose Length is smaller than a table header.
    let mut mem = i440fx();
    let mut fadt = i440fx_fadt().build();
    fadt[4..8].copy_from_slice(&20u32.to_le_bytes());
    mem.place(FACP, fadt);
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadTableLength {
            signature: Signature::FADT,
            length: 20
        })
    );

    // FADT with a bad checksum.
    let mut mem = i440fx();
    let mut fadt = i440fx_fadt().build();
    fadt[100] ^= 1;
    mem.place(FACP, fadt);
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadTableChecksum {
            signature: Signature::FADT,
            address: FACP
        })
    );

    // A valid but too-short FADT.
    let mut mem = i440fx();
    mem.place(FACP, FadtBuilder::new(100, 1).u32(40, DSDT as u32).build());
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::FadtTooShort { length: 100 })
    );

    // RSDP points at something that is not an RSDT.
    let mut mem = i440fx();
    mem.place(RSDP, rsdp_v1(FACP as u32));
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadSignature {
            address: FACP,
            expected: Signature::RSDT,
            found: Signature::FADT
        })
    );

    // DSDT Length beyond the 1 MiB bound.
    let mut mem = i440fx();
    let mut big = dsdt(&[]);
    big[4..8].copy_from_slice(&(2u32 << 20).to_le_bytes());
    mem.place(DSDT, big);
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadTableLength {
            signature: Signature::DSDT,
            length: 2 << 20
        })
    );

    // An XSDT listing more entries than we walk.
    let mut mem = v2();
    mem.place(XSDT_ADDR, xsdt(&vec![SSDT64; MAX_ROOT_ENTRIES + 1]));
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::TooManyEntries {
            signature: Signature::XSDT,
            count: MAX_ROOT_ENTRIES + 1
        })
    );
}

#[test]
fn pointers_outside_memory() {
    // RSDT pointer outside memory.
    let mut mem = i440fx();
    mem.place(RSDP, rsdp_v1(0x4000_0000));
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::Unreadable {
            address: 0x4000_0000,
            len: 36
        })
    );

    // The FADT entry points nowhere: it cannot be found, and the error says an entry was unreadable.
    let mut mem = i440fx();
    mem.regions.remove(&FACP);
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::NoFadt {
            unreadable_entries: 1
        })
    );

    // DSDT pointer outside memory.
    let mut mem = i440fx();
    mem.regions.remove(&DSDT);
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::Unreadable {
            address: DSDT,
            len: 36
        })
    );

    // No FADT listed at all.
    let mut mem = i440fx();
    mem.place(RSDT, rsdt(&[APIC as u32]));
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::NoFadt {
            unreadable_entries: 0
        })
    );
}

#[test]
fn fadt_register_problems() {
    // X_PM1a_CNT_BLK in system memory: reported as unsupported, not silently replaced by the legacy field.
    let mut mem = v2();
    mem.place(FACP64, v2_fadt().gas(172, 0, 16, 0xfed0_0004).build());
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::UnsupportedAddressSpace {
            register: "PM1a_CNT_BLK",
            space: AddressSpace::SystemMemory
        })
    );

    // An I/O "port" that does not fit 16 bits.
    let mut mem = i440fx();
    mem.place(FACP, i440fx_fadt().u32(64, 0x1_0604).build());
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::PortOutOfRange {
            register: "PM1a_CNT_BLK",
            address: 0x1_0604
        })
    );

    // No DSDT at all.
    let mut mem = i440fx();
    mem.place(FACP, i440fx_fadt().u32(40, 0).build());
    assert_eq!(discover(&mem, RSDP), Err(AcpiError::NoDsdt));

    // Hardware-reduced style: no PM1 control block → no shutdown writes, but discovery itself works.
    let mut mem = i440fx();
    mem.place(FACP, i440fx_fadt().u32(64, 0).build());
    let pc = discover(&mem, RSDP).unwrap();
    assert_eq!(pc.pm1a_cnt, None);
    assert_eq!(pc.shutdown_writes().count(), 0);
}

#[test]
fn dsdt_problems() {
    // DSDT without \_S5 (only \_S4 and a reference to \_S5_).
    let mut mem = i440fx();
    let aml = i440fx_aml(&[]);
    let without: Vec<u8> = {
        // Drop the "NameOp \_S5_" definition bytes so only the Return(\_S5_) reference remains.
        let def = [0x08, b'\\', b'_', b'S', b'5', b'_'];
        let at = aml.windows(def.len()).position(|w| w == def).unwrap();
        aml[..at]
            .iter()
            .chain(&aml[at + def.len()..])
            .copied()
            .collect()
    };
    mem.place(DSDT, dsdt(&without));
    assert_eq!(discover(&mem, RSDP), Err(AcpiError::NoS5));

    // PkgLength garbage: claims more bytes than the DSDT has.
    let mut mem = i440fx();
    mem.place(
        DSDT,
        dsdt(&i440fx_aml(&[
            0x12, 0xcf, 0xff, 0xff, 0xff, 0x04, 0x00, 0x00,
        ])),
    );
    assert!(matches!(discover(&mem, RSDP), Err(AcpiError::BadS5 { .. })));

    // PkgLength with reserved bits set.
    let mut mem = i440fx();
    mem.place(
        DSDT,
        dsdt(&i440fx_aml(&[0x12, 0x76, 0x04, 0x00, 0x00, 0x00, 0x00])),
    );
    assert!(matches!(discover(&mem, RSDP), Err(AcpiError::BadS5 { .. })));
}

#[test]
fn errors_display() {
    assert_eq!(
        AcpiError::BadRsdpChecksum { address: 0xf5a40 }.to_string(),
        "bad RSDP checksum at 0xf5a40"
    );
    assert_eq!(
        AcpiError::NoFadt {
            unreadable_entries: 0
        }
        .to_string(),
        "no FADT (FACP) table"
    );
    assert_eq!(AcpiError::NoS5.to_string(), "no \\_S5 package in the DSDT");
    assert_eq!(
        AcpiError::TableTruncated {
            signature: Signature::RSDT,
            address: 0x1000,
            length: 512
        }
        .to_string(),
        "RSDT table at 0x1000 truncated: 512 bytes claimed but not readable"
    );
    assert_eq!(
        AcpiError::UnsupportedAddressSpace {
            register: "PM1a_CNT_BLK",
            space: AddressSpace::SystemMemory
        }
        .to_string(),
        "PM1a_CNT_BLK is in system memory, only system I/O is supported"
    );
    assert_eq!(
        AcpiError::BadSignature {
            address: 0x10,
            expected: Signature::DSDT,
            found: Signature([0, b'A', b'B', 0xff])
        }
        .to_string(),
        "expected DSDT table at 0x10, found \"\\x00AB\\xff\""
    );
}

/// Flips bits in every byte of every region of both layouts, one at a time; when a flip breaks a checksum the
/// checksum is repaired too, so the parsers behind the checksum checks see the garbage. Nothing may panic.
#[test]
fn every_single_byte_corruption_is_handled() {
    for base in [i440fx(), v2()] {
        let addresses: Vec<u64> = base.regions.keys().copied().collect();
        for region in addresses {
            let len = base.regions[&region].len();
            for i in 0..len {
                for flip in [0x01u8, 0x80, 0xff] {
                    let mut mem = base.clone();
                    mem.regions.get_mut(&region).unwrap()[i] ^= flip;
                    let _ = discover(&mem, RSDP);
                    // Same corruption with checksums repaired (table checksum at 9, RSDP checksums at 8/32).
                    let bytes = mem.regions.get_mut(&region).unwrap();
                    if region == RSDP {
                        if i != 8 && i < 20 {
                            fix_checksum(&mut bytes[..20], 8);
                        }
                        if bytes.len() >= 36 && i != 32 {
                            fix_checksum(&mut bytes[..36], 32);
                        }
                    } else if bytes.len() >= 36 && i != 9 {
                        fix_checksum(bytes, 9);
                    }
                    let _ = discover(&mem, RSDP);
                }
            }
        }
    }
}

/// Random tables with valid checksums at every pointer the walk follows.
#[test]
fn random_tables_do_not_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..300 {
        let mut mem = v2();
        let len = 36 + (next() % 300) as usize;
        let mut garbage: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        garbage[..4].copy_from_slice(b"FACP");
        garbage[4..8].copy_from_slice(&(len as u32).to_le_bytes());
        // Keep the DSDT pointers aimed at the real DSDT sometimes, so the AML scan runs on garbage FADTs too.
        if len >= 148 && next() % 2 == 0 {
            garbage[140..148].copy_from_slice(&DSDT64.to_le_bytes());
        }
        fix_checksum(&mut garbage, 9);
        mem.place(FACP64, garbage);

        let aml_len = (next() % 200) as usize;
        let mut aml: Vec<u8> = (0..aml_len).map(|_| next() as u8).collect();
        if aml_len > 10 {
            let at = (next() as usize) % (aml_len - 6);
            aml[at..at + 6].copy_from_slice(&[0x08, b'_', b'S', b'5', b'_', 0x12]);
        }
        mem.place(DSDT64, dsdt(&aml));
        let _ = discover(&mem, RSDP);
    }
}

#[test]
fn rsdp_v2_variants() {
    // Revision 2 with a zero XsdtAddress falls back to the RSDT.
    let mut mem = i440fx();
    mem.place(RSDP, rsdp_v2(RSDT as u32, 0));
    assert_eq!(discover(&mem, RSDP).unwrap().pm1a_cnt, Some(0x604));

    // A longer (future) RSDP: the extended checksum covers all Length bytes.
    let mut long = rsdp_v2(0xdead_0000, XSDT_ADDR);
    long[20..24].copy_from_slice(&40u32.to_le_bytes());
    long.extend_from_slice(&[1, 2, 3, 4]);
    fix_checksum(&mut long, 32);
    let mut mem = v2();
    mem.place(RSDP, long.clone());
    assert_eq!(discover(&mem, RSDP).unwrap().pm1a_cnt, Some(0xb004));
    long[39] ^= 1;
    mem.place(RSDP, long);
    assert_eq!(
        discover(&mem, RSDP),
        Err(AcpiError::BadRsdpExtendedChecksum { address: RSDP })
    );
}
