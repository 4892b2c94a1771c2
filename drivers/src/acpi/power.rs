//! What the kernel has to write to power the machine off (S5) or reset it, derived from the FADT and `\_S5`.
//!
//! Soft-off (ACPI 6.4 §16.1 "Sleeping States" and §7.4.2 "\_Sx (System States)"; register layout in §4.8.4.2.1
//! "PM1 Control Registers", numbered §4.8.3.2.1 in ACPI 5.x): write SLP_TYPx (bits 12:10) together with SLP_EN
//! (bit 13) to PM1a_CNT and, if the platform has one, PM1b_CNT.
//!
//! ACPI mode: the PM1 control registers only act on OSPM writes once the platform is in ACPI mode, signalled by
//! SCI_EN (bit 0 of PM1_CNT). If it is clear, OSPM first writes ACPI_ENABLE to the SMI_CMD port and waits for
//! SCI_EN to become set (ACPI 6.x chapter 4, "Legacy/ACPI Select and the SCI Interrupt"; FADT SMI_CMD and
//! ACPI_ENABLE, §5.2.9). A zero SMI_CMD means the platform has no legacy mode (it is always in ACPI mode). See
//! [`needs_enable`] and [`PowerControl::acpi_enable_write`].
//!
//! Reset: write RESET_VALUE to RESET_REG (ACPI 6.x chapter 4, "Reset Register"; FADT RESET_REG_SUP flag, §5.2.9).
//!
//! Guarantees: pure computations on already-validated values; SLP_TYP values are masked to their 3 bits.

use super::gas::AddressSpace;
use crate::pci::PciAddress;

/// PM1_CNT bit 0: the platform is in ACPI mode (SCI rather than SMI).
pub const SCI_EN: u16 = 1 << 0;
/// PM1_CNT bits 12:10: sleep type.
pub const SLP_TYP_SHIFT: u16 = 10;
pub const SLP_TYP_MASK: u16 = 0x7 << SLP_TYP_SHIFT;
/// PM1_CNT bit 13: write 1 to enter the sleep state selected by SLP_TYP.
pub const SLP_EN: u16 = 1 << 13;

/// The FADT reset register and the value that resets the machine when written to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetRegister {
    /// System I/O, system memory or PCI configuration space (the only spaces the spec allows here).
    pub space: AddressSpace,
    pub address: u64,
    pub value: u8,
}

impl ResetRegister {
    /// The I/O port, if the register is in system I/O space and the address fits in 16 bits (0xCF9 on PC chipsets).
    pub fn io_port(&self) -> Option<u16> {
        match self.space {
            AddressSpace::SystemIo => u16::try_from(self.address).ok(),
            _ => None,
        }
    }

    /// For a register in PCI configuration space: the function on bus 0 and the byte offset to write. ACPI 6.x
    /// §5.2.3.2 encodes such addresses as device in bits 47:32, function in 31:16, offset in 15:0 (bits 63:48
    /// reserved, zero). `None` for other spaces or out-of-range fields.
    pub fn pci_location(&self) -> Option<(PciAddress, u8)> {
        if self.space != AddressSpace::PciConfig || self.address >> 48 != 0 {
            return None;
        }
        let device = u8::try_from((self.address >> 32) & 0xffff).ok()?;
        let function = u8::try_from((self.address >> 16) & 0xffff).ok()?;
        let offset = u8::try_from(self.address & 0xffff).ok()?;
        Some((PciAddress::new(0, device, function)?, offset))
    }
}

/// Everything needed to power off (S5) and reset via ACPI fixed hardware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerControl {
    /// PM1a control block I/O port (required on non-hardware-reduced platforms).
    pub pm1a_cnt: Option<u16>,
    /// PM1b control block I/O port, if the platform splits PM1 across two blocks.
    pub pm1b_cnt: Option<u16>,
    /// `\_S5` SLP_TYP value for PM1a.
    pub slp_typ_a: u16,
    /// `\_S5` SLP_TYP value for PM1b.
    pub slp_typ_b: u16,
    /// The reset register, when the FADT says it is supported.
    pub reset: Option<ResetRegister>,
    /// System-vector (ISA IRQ on PIC systems) the SCI is wired to.
    pub sci_irq: u16,
    /// Port to write [`acpi_enable`](Self::acpi_enable) to for entering ACPI mode; 0 = no legacy mode.
    pub smi_cmd: u32,
    /// Value that switches the platform from legacy to ACPI mode.
    pub acpi_enable: u8,
}

/// PM1_CNT value for entering the sleep state `slp_typ`, keeping the other bits of `current` (pass 0 when the
/// register is not read first).
pub fn sleep_control_value(current: u16, slp_typ: u16) -> u16 {
    (current & !(SLP_TYP_MASK | SLP_EN)) | ((slp_typ << SLP_TYP_SHIFT) & SLP_TYP_MASK) | SLP_EN
}

/// Whether the platform is still in legacy mode (SCI_EN clear in the PM1a_CNT value read), so ACPI_ENABLE has to
/// be written to SMI_CMD before the PM1 registers work as documented.
pub fn needs_enable(pm1a_cnt_value: u16) -> bool {
    pm1a_cnt_value & SCI_EN == 0
}

impl PowerControl {
    /// The 16-bit port writes that enter S5: `SLP_TYPx << 10 | SLP_EN` to PM1a_CNT, then PM1b_CNT if present.
    /// If the register was never read, the other bits are written as zero, which is what the simple shutdown
    /// sequence does; use [`sleep_control_value`] to preserve them.
    pub fn shutdown_writes(&self) -> impl Iterator<Item = (u16, u16)> + use<> {
        let a = self
            .pm1a_cnt
            .map(|port| (port, sleep_control_value(0, self.slp_typ_a)));
        let b = self
            .pm1b_cnt
            .map(|port| (port, sleep_control_value(0, self.slp_typ_b)));
        a.into_iter().chain(b)
    }

    /// The `(port, value)` byte write that switches to ACPI mode, if `pm1a_cnt_value` says it is needed and the
    /// FADT says it is possible (SMI_CMD and ACPI_ENABLE non-zero, SMI_CMD a 16-bit port).
    pub fn acpi_enable_write(&self, pm1a_cnt_value: u16) -> Option<(u16, u8)> {
        if !needs_enable(pm1a_cnt_value) || self.acpi_enable == 0 {
            return None;
        }
        let port = u16::try_from(self.smi_cmd).ok().filter(|&p| p != 0)?;
        Some((port, self.acpi_enable))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn pc(pm1b: Option<u16>) -> PowerControl {
        PowerControl {
            pm1a_cnt: Some(0x604),
            pm1b_cnt: pm1b,
            slp_typ_a: 5,
            slp_typ_b: 2,
            reset: None,
            sci_irq: 9,
            smi_cmd: 0xb2,
            acpi_enable: 0xf1,
        }
    }

    #[test]
    fn shutdown_writes_set_slp_typ_and_slp_en() {
        assert_eq!(
            pc(None).shutdown_writes().collect::<Vec<_>>(),
            [(0x604, 0x3400)]
        );
        assert_eq!(
            pc(Some(0x608)).shutdown_writes().collect::<Vec<_>>(),
            [(0x604, 0x3400), (0x608, 0x2800)]
        );
        let none = PowerControl {
            pm1a_cnt: None,
            ..pc(None)
        };
        assert_eq!(none.shutdown_writes().count(), 0);
        // QEMU: SLP_TYP 0 → just SLP_EN.
        assert_eq!(sleep_control_value(0, 0), 0x2000);
        // Read-modify-write keeps SCI_EN and drops a stale SLP_TYP; oversized types are masked.
        assert_eq!(sleep_control_value(0x1c01, 1), 0x2401);
        assert_eq!(sleep_control_value(0, 0xffff), 0x3c00);
    }

    #[test]
    fn acpi_enable() {
        assert!(needs_enable(0x0000));
        assert!(!needs_enable(0x0001));
        assert_eq!(pc(None).acpi_enable_write(0), Some((0xb2, 0xf1)));
        assert_eq!(pc(None).acpi_enable_write(SCI_EN), None);
        assert_eq!(
            PowerControl {
                smi_cmd: 0,
                ..pc(None)
            }
            .acpi_enable_write(0),
            None
        );
        assert_eq!(
            PowerControl {
                smi_cmd: 0x1_0000,
                ..pc(None)
            }
            .acpi_enable_write(0),
            None
        );
        assert_eq!(
            PowerControl {
                acpi_enable: 0,
                ..pc(None)
            }
            .acpi_enable_write(0),
            None
        );
    }

    #[test]
    fn reset_register_locations() {
        let io = ResetRegister {
            space: AddressSpace::SystemIo,
            address: 0xcf9,
            value: 6,
        };
        assert_eq!((io.io_port(), io.pci_location()), (Some(0xcf9), None));
        let pci = ResetRegister {
            space: AddressSpace::PciConfig,
            address: 0x0000_001f_0000_00ac,
            value: 2,
        };
        assert_eq!(
            pci.pci_location(),
            Some((PciAddress::new(0, 0x1f, 0).unwrap(), 0xac))
        );
        assert_eq!(pci.io_port(), None);
        let bad = ResetRegister {
            space: AddressSpace::PciConfig,
            address: 0x0000_0020_0000_00ac,
            value: 2,
        };
        assert_eq!(bad.pci_location(), None);
        let mem = ResetRegister {
            space: AddressSpace::SystemMemory,
            address: 0xfed0_0000,
            value: 1,
        };
        assert_eq!((mem.io_port(), mem.pci_location()), (None, None));
    }
}
