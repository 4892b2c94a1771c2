//! Finding the station address: the EEPROM's first three words (§5.6.1, "Ethernet Address"), read one
//! word at a time through EERD (§13.4.4), or, if the EEPROM does not answer, the address the device
//! itself loaded from it into RAL0/RAH0 at reset (§13.5.2).

use super::registers::{
    EERD, EERD_ADDR_SHIFT, EERD_DATA_SHIFT, EERD_DONE, EERD_START, RAH_AV, RAH0, RAL0, Registers,
};

/// EERD polls per word before giving up on the EEPROM (each poll is one register read, about a
/// microsecond on real hardware; a word takes tens of microseconds on a Microwire EEPROM).
pub const EEPROM_POLLS: u32 = 10_000;

/// Reads one EEPROM word, or `None` if DONE never appears within [`EEPROM_POLLS`] reads.
pub fn read_eeprom_word(regs: &mut impl Registers, word: u8) -> Option<u16> {
    regs.write(EERD, EERD_START | (u32::from(word) << EERD_ADDR_SHIFT));
    for _ in 0..EEPROM_POLLS {
        let value = regs.read(EERD);
        if value & EERD_DONE != 0 {
            return Some((value >> EERD_DATA_SHIFT) as u16);
        }
    }
    None
}

/// The MAC address from EEPROM words 0-2 (each word little-endian: low byte first).
pub fn mac_from_eeprom(regs: &mut impl Registers) -> Option<[u8; 6]> {
    let mut mac = [0; 6];
    for word in 0..3u8 {
        let [low, high] = read_eeprom_word(regs, word)?.to_le_bytes();
        mac[usize::from(word) * 2] = low;
        mac[usize::from(word) * 2 + 1] = high;
    }
    Some(mac)
}

/// The address in receive-address entry 0, if marked valid.
pub fn mac_from_receive_address(regs: &mut impl Registers) -> Option<[u8; 6]> {
    let low = regs.read(RAL0).to_le_bytes();
    let high = regs.read(RAH0);
    if high & RAH_AV == 0 {
        return None;
    }
    let [high0, high1, _, _] = high.to_le_bytes();
    Some([low[0], low[1], low[2], low[3], high0, high1])
}

/// A usable station address: not all-zero and not a group (multicast/broadcast) address.
pub fn is_station_address(mac: &[u8; 6]) -> bool {
    mac != &[0; 6] && mac[0] & 1 == 0
}

/// The EEPROM address if it reads as a station address, else RAL0/RAH0's, else `None`.
pub fn read_mac(regs: &mut impl Registers) -> Option<[u8; 6]> {
    mac_from_eeprom(regs)
        .filter(is_station_address)
        .or_else(|| mac_from_receive_address(regs).filter(is_station_address))
}

/// Programs receive-address entry 0 with `mac`, marked valid, so the device accepts unicast to it.
pub fn program_receive_address(regs: &mut impl Registers, mac: [u8; 6]) {
    regs.write(RAL0, u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]));
    regs.write(RAH0, u32::from_le_bytes([mac[4], mac[5], 0, 0]) | RAH_AV);
}
