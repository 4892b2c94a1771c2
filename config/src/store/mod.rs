//! The config partition: the configuration saved on every committed change, and the configuration baked
//! into the image at build time.
//!
//! RouterOS persists every committed change at once; a power cut must never cost more than the change that
//! was being written. This module keeps that promise on a [`BlockDevice`] (the 0xDA partition the image
//! builder creates, 4 MiB) with two slots and a generation counter.
//!
//! # Partition layout
//!
//! All integers little endian; sectors are 512 bytes. The partition of `T` sectors (at most the first
//! 65 536 sectors are used; at least 32 are required) is split as follows, `R = T / 8`,
//! `S = (T − R) / 2` (for the 4 MiB partition: `R` = 1024 sectors = 512 KiB, `S` = 3584 sectors =
//! 1.75 MiB):
//!
//! | sectors | contents | written by |
//! |---|---|---|
//! | 0 | partition label: magic `APPLCFG\0`, layout version | image builder, first save |
//! | 1 | baked-config header: magic `APPLRSC\0`, version, text length, text CRC32 | image builder |
//! | 2 .. R | the baked `.rsc` text (UTF-8) | image builder |
//! | R .. R+S | slot A: header sector, then payload sectors | [`ConfigStore::save`] |
//! | R+S .. R+2S | slot B: the same | [`ConfigStore::save`] |
//!
//! Every header sector is sealed the same way (`header`): an 8-byte magic, a `u16` format version, the
//! fields, then a CRC32 (`crc32fast`, IEEE) of everything before it; the rest of the sector is zero. An
//! all-zero sector is *blank* (never written). A slot header's fields are the generation (`u64`), the
//! payload length (`u32`) and the payload's CRC32.
//!
//! # Guarantees
//!
//! * [`ConfigStore::save`] writes the slot that does *not* hold the newest valid configuration: payload
//!   sectors, flush, then the header with the next generation, flush. Until that header is durable the old
//!   configuration is untouched and still wins; a torn or reordered write of any sector leaves a header
//!   whose CRC fails or a payload whose CRC fails (the header carries the payload's CRC, so even a header
//!   that reached the disk before its payload only makes the new slot damaged), so [`ConfigStore::load`]
//!   returns either the old or the new configuration, never a mix (tested by cutting the power at every
//!   byte and by losing a write cache in every way, `crash_tests`).
//! * [`ConfigStore::load`] takes the valid slot with the highest generation; if the newer slot is damaged
//!   it falls back to the other and says so ([`Loaded::fell_back`]), for the log.
//! * Nothing read from the disk is trusted: lengths are capped by the layout, every header and payload is
//!   checksummed, and no byte content makes this module panic (fuzzed: [`fuzz_harness`]).
//!
//! The payload is opaque here; the object model serialises itself with [`encode`] / [`decode`] (postcard
//! with a format-version prefix).
//!
//! # Use
//!
//! At boot: [`ConfigStore::load`] — a saved configuration wins (log [`Loaded::fell_back`] and any error);
//! with none, [`ConfigStore::baked`] gives the script the image was built with; with neither, the default
//! configuration. After every committed change: [`ConfigStore::save`]. `/system reset-configuration`:
//! [`ConfigStore::erase`]. The image builder writes the baked script with [`write_baked`].
//!
//! Files: `layout` (where things are, the label), `header` (sealed header sectors), `slot` (reading and
//! judging a slot), `baked` (the baked-config region), `codec` (postcard helpers), `error`,
//! `fuzz_harness`, tests in `tests` and `crash_tests`.

mod baked;
mod codec;
mod error;
pub mod fuzz_harness;
mod header;
mod layout;
mod slot;

#[cfg(test)]
mod crash_tests;
#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;

use drivers::block::{BlockDevice, SECTOR_SIZE};

pub use baked::write_baked;
pub use codec::{decode, encode};
pub use error::{Damage, StoreError};
pub use layout::{LAYOUT_VERSION, Layout, MAX_SECTORS, MIN_SECTORS, Slot};
pub use slot::{SLOT_FORMAT_VERSION, SlotState};

use layout::LabelState;
use slot::SlotHeader;

/// A configuration read back from a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub payload: Vec<u8>,
    pub generation: u64,
    /// The other slot held a newer (or unidentifiable) configuration that was damaged, so this older one
    /// was loaded instead.
    pub fell_back: bool,
}

/// The saved configuration on a config partition (see the module documentation for the format).
#[derive(Debug)]
pub struct ConfigStore<D: BlockDevice> {
    device: D,
    layout: Layout,
}

impl<D: BlockDevice> ConfigStore<D> {
    /// Takes the config partition; refuses one smaller than [`MIN_SECTORS`]. Writes nothing.
    pub fn new(device: D) -> Result<Self, StoreError> {
        let layout = Layout::for_sectors(device.sector_count())?;
        Ok(Self { device, layout })
    }

    /// Where things are on this partition.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The largest payload [`save`](Self::save) accepts.
    pub fn max_payload(&self) -> usize {
        self.layout.max_payload()
    }

    pub fn into_inner(self) -> D {
        self.device
    }

    /// The newest valid saved configuration; `Ok(None)` when no slot holds one (a fresh disk, after
    /// [`erase`](Self::erase), or when every copy is damaged — [`inspect`](Self::inspect) tells which).
    ///
    /// Errors: the label names a layout this build does not know ([`StoreError::UnsupportedLayout`]); no
    /// slot is valid and the partition was never formatted by us ([`StoreError::NotFormatted`]); no slot is
    /// valid and one could not be read ([`StoreError::Device`]).
    pub fn load(&mut self) -> Result<Option<Loaded>, StoreError> {
        let label = self.label()?;
        let states = self.read_slots();
        let Some((slot, _)) = newest_valid(&states) else {
            for state in &states {
                if let SlotState::Damaged {
                    damage: Damage::Unreadable(error),
                    ..
                } = state
                {
                    return Err(StoreError::Device(*error));
                }
            }
            return match label {
                LabelState::Foreign => Err(StoreError::NotFormatted),
                LabelState::Unreadable(error) => Err(StoreError::Device(error)),
                LabelState::Ours | LabelState::Blank | LabelState::Other { .. } => Ok(None),
            };
        };
        let (chosen, other) = split(states, slot);
        let SlotState::Valid {
            generation,
            payload,
        } = chosen
        else {
            return Ok(None); // not reached: `newest_valid` picks a valid slot
        };
        // The other slot may have held something newer: its header was unreadable, or was sound with a
        // higher generation but the payload was not.
        let fell_back = match other {
            SlotState::Damaged {
                generation: other, ..
            } => other.is_none_or(|other| other > generation),
            SlotState::Empty | SlotState::Valid { .. } => false,
        };
        Ok(Some(Loaded {
            payload,
            generation,
            fell_back,
        }))
    }

    /// Persists `payload` as the new configuration; returns its generation. When this returns `Ok` the
    /// configuration is durable; when it fails or the power is cut, [`load`](Self::load) still returns the
    /// previous configuration or this one.
    pub fn save(&mut self, payload: &[u8]) -> Result<u64, StoreError> {
        let max = self.max_payload();
        if payload.len() > max {
            return Err(StoreError::TooLarge {
                len: payload.len(),
                max,
            });
        }
        let label = self.label()?;
        let states = self.read_slots();
        let target = newest_valid(&states).map_or(Slot::A, |(slot, _)| slot.other());
        // Above every generation still legible on disk, so the new slot outranks all of them.
        let generation = states
            .iter()
            .filter_map(SlotState::generation)
            .max()
            .map_or(Some(1), |g| g.checked_add(1))
            .ok_or(StoreError::GenerationExhausted)?;
        let header_lba = self.layout.slot_header_lba(target);
        if matches!(split(states, target).0, SlotState::Damaged { .. }) {
            // A damaged slot's sound header could otherwise meet the new payload half-written and, by a
            // CRC coincidence, pass with its old (possibly higher) generation.
            self.device.write(header_lba, &[0; SECTOR_SIZE])?;
            self.device.flush()?;
        }
        slot::write_payload(
            &mut self.device,
            self.layout.slot_payload_lba(target),
            payload,
        )?;
        self.device.flush()?;
        let header = SlotHeader::new(generation, payload)?;
        self.device.write(header_lba, &header.seal())?;
        self.device.flush()?;
        // The label goes last: a torn label never hides a slot (slots identify themselves).
        if label != LabelState::Ours {
            self.device
                .write(layout::LABEL_LBA, &layout::label_sector())?;
            self.device.flush()?;
        }
        Ok(generation)
    }

    /// Invalidates both slots (`/system reset-configuration`): the next [`load`](Self::load) finds nothing.
    /// The older slot goes first, so an interrupted erase leaves the newest configuration or none, never
    /// an older one. Only the header sectors are overwritten.
    pub fn erase(&mut self) -> Result<(), StoreError> {
        self.label()?;
        let states = self.read_slots();
        let newest = newest_valid(&states).map_or(Slot::B, |(slot, _)| slot);
        for slot in [newest.other(), newest] {
            self.device
                .write(self.layout.slot_header_lba(slot), &[0; SECTOR_SIZE])?;
            self.device.flush()?;
        }
        Ok(())
    }

    /// The configuration baked into the image, if the image builder wrote one. `Ok(None)`: the region is
    /// blank; [`StoreError::BakedDamaged`]: something is there but it fails its checks.
    pub fn baked(&mut self) -> Result<Option<String>, StoreError> {
        self.label()?;
        baked::read(&mut self.device, &self.layout)
    }

    /// What each slot holds, `[A, B]`, for diagnostics and the log.
    pub fn inspect(&mut self) -> Result<[SlotState; 2], StoreError> {
        self.label()?;
        Ok(self.read_slots())
    }

    /// Reads the label; a valid label of another layout version stops everything (its slots may not be
    /// where this build looks). An unreadable label stops nothing: the slots speak for themselves.
    fn label(&mut self) -> Result<LabelState, StoreError> {
        let mut sector = [0u8; SECTOR_SIZE];
        let state = match self.device.read(layout::LABEL_LBA, &mut sector) {
            Ok(()) => layout::parse_label(&sector),
            Err(error) => LabelState::Unreadable(error),
        };
        match state {
            LabelState::Other { version } => Err(StoreError::UnsupportedLayout { version }),
            state => Ok(state),
        }
    }

    fn read_slots(&mut self) -> [SlotState; 2] {
        Slot::BOTH.map(|slot| slot::read(&mut self.device, &self.layout, slot))
    }
}

/// The valid slot with the highest generation and that generation (A on a tie, which only a damaged
/// disk can produce).
fn newest_valid(states: &[SlotState; 2]) -> Option<(Slot, u64)> {
    let [a, b] = states;
    let valid = |slot, state: &SlotState| match state {
        SlotState::Valid { generation, .. } => Some((slot, *generation)),
        _ => None,
    };
    match (valid(Slot::A, a), valid(Slot::B, b)) {
        (Some(a), Some(b)) if b.1 > a.1 => Some(b),
        (Some(a), _) => Some(a),
        (None, b) => b,
    }
}

/// `slot`'s state and the other's.
fn split(states: [SlotState; 2], slot: Slot) -> (SlotState, SlotState) {
    let [a, b] = states;
    match slot {
        Slot::A => (a, b),
        Slot::B => (b, a),
    }
}
