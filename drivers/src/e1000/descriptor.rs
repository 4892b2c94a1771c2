//! Legacy receive and transmit descriptors (16 bytes each), read and written in place in a ring's
//! [`DmaRegion`] with little-endian accessors. Nothing here trusts what the device wrote: an index outside
//! the region reads as zero and writes are dropped (the `DmaRegion` contract).

use crate::dma::DmaRegion;

/// Every legacy descriptor is 16 bytes (§3.2.3, §3.3.3); rings are arrays of them.
pub const DESCRIPTOR_BYTES: usize = 16;

// Receive descriptor status bits (§3.2.3.1).

/// Descriptor Done: the device wrote this descriptor back.
pub const RXD_STAT_DD: u8 = 1 << 0;
/// End Of Packet: the last descriptor of a frame.
pub const RXD_STAT_EOP: u8 = 1 << 1;

/// Receive descriptor error bits (§3.2.3.2) that make a frame unusable: CRC/alignment, symbol, sequence,
/// carrier extension and RX data errors. TCP/UDP (bit 5) and IP (bit 6) checksum errors are only
/// reported with checksum offload and are left to the datapath, which verifies checksums itself.
pub const RXD_ERR_CE: u8 = 1 << 0;
pub const RXD_ERR_SE: u8 = 1 << 1;
pub const RXD_ERR_SEQ: u8 = 1 << 2;
pub const RXD_ERR_CXE: u8 = 1 << 4;
pub const RXD_ERR_RXE: u8 = 1 << 7;
pub const RXD_ERR_FRAME: u8 = RXD_ERR_CE | RXD_ERR_SE | RXD_ERR_SEQ | RXD_ERR_CXE | RXD_ERR_RXE;

// Transmit descriptor command bits (§3.3.3.1).

/// End Of Packet.
pub const TXD_CMD_EOP: u8 = 1 << 0;
/// Insert FCS: the device appends the Ethernet CRC.
pub const TXD_CMD_IFCS: u8 = 1 << 1;
/// Report Status: the device sets DD once the descriptor is processed.
pub const TXD_CMD_RS: u8 = 1 << 3;

// Transmit descriptor status bits (§3.3.3.2).

/// Descriptor Done.
pub const TXD_STAT_DD: u8 = 1 << 0;
/// Excess Collisions / Late Collision (half duplex only): the frame was not sent.
pub const TXD_STAT_EC: u8 = 1 << 1;
pub const TXD_STAT_LC: u8 = 1 << 2;

// Field offsets inside a descriptor. RX (§3.2.3): buffer address 0..8, length 8..10, checksum 10..12,
// status 12, errors 13, special 14..16. TX (§3.3.3): buffer address 0..8, length 8..10, CSO 10, CMD 11,
// STA 12 (low nibble), CSS 13, special 14..16.
const ADDRESS: usize = 0;
const LENGTH: usize = 8;
const STATUS: usize = 12;

/// Byte offset of `field` in descriptor `index` (saturating: a wild index reads 0, never wraps).
fn at(index: usize, field: usize) -> usize {
    index.saturating_mul(DESCRIPTOR_BYTES).saturating_add(field)
}

/// Hands receive descriptor `index` (back) to the device: buffer address set, write-back fields zeroed.
pub fn rx_arm(ring: &mut impl DmaRegion, index: usize, buffer: u64) {
    ring.write_u64(at(index, ADDRESS), buffer);
    ring.write_u64(at(index, LENGTH), 0);
}

/// The status byte of a receive descriptor; read first, and only after DD is seen (and a fence) the rest.
pub fn rx_status(ring: &impl DmaRegion, index: usize) -> u8 {
    ring.read_u16(at(index, STATUS)) as u8
}

/// The errors byte of a written-back receive descriptor.
pub fn rx_errors(ring: &impl DmaRegion, index: usize) -> u8 {
    (ring.read_u16(at(index, STATUS)) >> 8) as u8
}

/// The length the device wrote back: bytes in this descriptor's buffer (FCS stripped with RCTL.SECRC).
pub fn rx_length(ring: &impl DmaRegion, index: usize) -> u16 {
    ring.read_u16(at(index, LENGTH))
}

/// Fills transmit descriptor `index` for one single-buffer frame with `command` bits; status cleared.
pub fn tx_fill(ring: &mut impl DmaRegion, index: usize, buffer: u64, length: u16, command: u8) {
    ring.write_u64(at(index, ADDRESS), buffer);
    ring.write_u32(
        at(index, LENGTH),
        u32::from(length) | (u32::from(command) << 24),
    );
    ring.write_u32(at(index, STATUS), 0);
}

/// The status nibble of a transmit descriptor (DD, EC, LC, TU).
pub fn tx_status(ring: &impl DmaRegion, index: usize) -> u8 {
    (ring.read_u32(at(index, STATUS)) & 0x0F) as u8
}

/// Clears a reclaimed transmit descriptor so a stale DD is never mistaken for a new completion.
pub fn tx_clear(ring: &mut impl DmaRegion, index: usize) {
    ring.write_u64(at(index, LENGTH), 0);
}
