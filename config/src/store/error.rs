//! What can go wrong with the config partition, worded for the console and the log.

use core::fmt;

use drivers::block::BlockError;

/// Why the store refused or failed a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The disk failed a request.
    Device(BlockError),
    /// The partition has fewer sectors than the layout needs.
    TooSmall { sectors: u64, min: u64 },
    /// A configuration (or baked script) larger than its region.
    TooLarge { len: usize, max: usize },
    /// No valid configuration, and the partition label is neither ours nor blank: the partition holds
    /// something else. Saving formats it.
    NotFormatted,
    /// The label names a partition layout this build does not know (written by a newer release); nothing
    /// is read or written.
    UnsupportedLayout { version: u16 },
    /// The baked-config region holds something, but it fails its checks.
    BakedDamaged(Damage),
    /// The generation counter cannot grow (only a forged header can get there: 2^64 saves).
    GenerationExhausted,
    /// [`decode`](super::decode): the bytes carry another format version.
    WrongVersion { expected: u16, found: u16 },
    /// [`decode`](super::decode): fewer bytes than the version prefix.
    Truncated,
    /// [`decode`](super::decode): postcard refused the bytes.
    Decode(postcard::Error),
    /// [`decode`](super::decode): bytes left over after the value.
    TrailingBytes { count: usize },
}

impl From<BlockError> for StoreError {
    fn from(error: BlockError) -> Self {
        Self::Device(error)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Device(error) => write!(f, "config disk failure: {error}"),
            Self::TooSmall { sectors, min } => write!(
                f,
                "config partition too small ({} KiB, need at least {} KiB)",
                sectors / 2,
                min / 2
            ),
            Self::TooLarge { len, max } => {
                write!(f, "configuration too large ({len} bytes, max {max})")
            }
            Self::NotFormatted => f.write_str("config partition not formatted"),
            Self::UnsupportedLayout { version } => {
                write!(f, "config partition layout version {version} not supported")
            }
            Self::BakedDamaged(damage) => write!(f, "baked configuration damaged: {damage}"),
            Self::GenerationExhausted => f.write_str("config store generation counter exhausted"),
            Self::WrongVersion { expected, found } => write!(
                f,
                "saved configuration has format version {found}, expected {expected}"
            ),
            Self::Truncated => f.write_str("saved configuration truncated"),
            Self::Decode(error) => write!(f, "saved configuration unreadable: {error}"),
            Self::TrailingBytes { count } => write!(
                f,
                "saved configuration has {count} unexpected bytes at the end"
            ),
        }
    }
}

/// Why a header or its payload was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// The sector does not start with the expected magic (torn, overwritten, or never ours).
    BadMagic,
    /// The header's own CRC does not match (torn or corrupted).
    HeaderChecksum,
    /// A format version this build does not know.
    UnknownVersion(u16),
    /// The header claims more bytes than its region holds.
    LengthOutOfRange { len: u32, max: usize },
    /// The payload's CRC does not match the header (payload torn or corrupted).
    PayloadChecksum,
    /// The baked text is not UTF-8.
    NotUtf8,
    /// The disk failed to read it.
    Unreadable(BlockError),
    /// No memory for a buffer of the length the header gives.
    NoMemory,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadMagic => f.write_str("bad magic"),
            Self::HeaderChecksum => f.write_str("header checksum mismatch"),
            Self::UnknownVersion(version) => write!(f, "unknown format version {version}"),
            Self::LengthOutOfRange { len, max } => {
                write!(f, "length {len} out of range (max {max})")
            }
            Self::PayloadChecksum => f.write_str("checksum mismatch"),
            Self::NotUtf8 => f.write_str("not UTF-8 text"),
            Self::Unreadable(error) => write!(f, "unreadable: {error}"),
            Self::NoMemory => f.write_str("not enough memory to read it"),
        }
    }
}
