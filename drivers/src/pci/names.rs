//! Human-readable names for the boot log: common class/subclass codes (PCI Code and ID Assignment Spec, class
//! code tables; PCI 3.0 Appendix D) and the vendor:device IDs this appliance typically meets under QEMU/KVM.
//!
//! Guarantees: pure table look-ups; unknown codes give `None` (or a base-class name), never a panic.

/// Name of a class/subclass pair, falling back to the base-class name when the subclass is not listed.
pub fn class_name(class: u8, subclass: u8) -> Option<&'static str> {
    let specific = match (class, subclass) {
        (0x00, 0x01) => Some("VGA-compatible unclassified device"),
        (0x01, 0x00) => Some("SCSI storage controller"),
        (0x01, 0x01) => Some("IDE interface"),
        (0x01, 0x05) => Some("ATA controller"),
        (0x01, 0x06) => Some("SATA controller"),
        (0x01, 0x07) => Some("Serial Attached SCSI controller"),
        (0x01, 0x08) => Some("Non-Volatile memory controller"),
        (0x02, 0x00) => Some("Ethernet controller"),
        (0x03, 0x00) => Some("VGA compatible controller"),
        (0x04, 0x01) => Some("Multimedia audio controller"),
        (0x04, 0x03) => Some("Audio device"),
        (0x05, 0x00) => Some("RAM memory"),
        (0x06, 0x00) => Some("Host bridge"),
        (0x06, 0x01) => Some("ISA bridge"),
        (0x06, 0x04) => Some("PCI bridge"),
        (0x06, 0x09) => Some("PCI bridge (semi-transparent)"),
        (0x07, 0x00) => Some("Serial controller"),
        (0x08, 0x00) => Some("PIC"),
        (0x08, 0x05) => Some("SD Host controller"),
        (0x0c, 0x03) => Some("USB controller"),
        (0x0c, 0x05) => Some("SMBus"),
        _ => None,
    };
    specific.or_else(|| base_class_name(class))
}

/// Name of a base class code.
fn base_class_name(class: u8) -> Option<&'static str> {
    let name = match class {
        0x00 => "Unclassified device",
        0x01 => "Mass storage controller",
        0x02 => "Network controller",
        0x03 => "Display controller",
        0x04 => "Multimedia controller",
        0x05 => "Memory controller",
        0x06 => "Bridge",
        0x07 => "Communication controller",
        0x08 => "Generic system peripheral",
        0x09 => "Input device controller",
        0x0a => "Docking station",
        0x0b => "Processor",
        0x0c => "Serial bus controller",
        0x0d => "Wireless controller",
        0x0e => "Intelligent controller",
        0x0f => "Satellite communications controller",
        0x10 => "Encryption controller",
        0x11 => "Signal processing controller",
        0x12 => "Processing accelerators",
        0xff => "Unassigned class",
        _ => return None,
    };
    Some(name)
}

/// Short name of a well-known vendor:device pair.
pub fn device_name(vendor_id: u16, device_id: u16) -> Option<&'static str> {
    let name = match (vendor_id, device_id) {
        // Red Hat / virtio (transitional 0x1000.. and modern 0x1040 + device type).
        (0x1af4, 0x1000 | 0x1041) => "virtio-net",
        (0x1af4, 0x1001 | 0x1042) => "virtio-blk",
        (0x1af4, 0x1003 | 0x1043) => "virtio-console",
        (0x1af4, 0x1005 | 0x1044) => "virtio-rng",
        (0x1af4, 0x1004 | 0x1048) => "virtio-scsi",
        (0x1af4, 0x1050) => "virtio-gpu",
        // Intel NICs emulated by QEMU.
        (0x8086, 0x100e) => "82540EM e1000",
        (0x8086, 0x10d3) => "82574L e1000e",
        // i440FX machine.
        (0x8086, 0x1237) => "i440FX",
        (0x8086, 0x7000) => "PIIX3 ISA",
        (0x8086, 0x7010) => "PIIX3 IDE",
        (0x8086, 0x7113) => "PIIX4 ACPI",
        // Q35 machine.
        (0x8086, 0x29c0) => "Q35 MCH",
        (0x8086, 0x2918) => "ICH9 LPC",
        (0x8086, 0x2922) => "ICH9 SATA",
        (0x8086, 0x2930) => "ICH9 SMBus",
        // QEMU devices.
        (0x1234, 0x1111) => "QEMU VGA",
        (0x1b36, 0x000c) => "QEMU PCIe root port",
        (0x1b36, 0x0001) => "QEMU PCI bridge",
        _ => return None,
    };
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(class_name(0x02, 0x00), Some("Ethernet controller"));
        assert_eq!(class_name(0x06, 0x80), Some("Bridge"));
        assert_eq!(class_name(0x13, 0x00), None);
    }

    #[test]
    fn devices() {
        assert_eq!(device_name(0x1af4, 0x1041), Some("virtio-net"));
        assert_eq!(device_name(0x8086, 0x7113), Some("PIIX4 ACPI"));
        assert_eq!(device_name(0xdead, 0xbeef), None);
    }
}
