//! The one interface the kernel's datapath sees for every NIC, whatever drives it (virtio-net, e1000).
//!
//! The model is copy-in/copy-out with batching: `receive` hands each received frame to a closure as a
//! borrowed slice (the driver recycles the buffer as soon as the closure returns), `transmit` copies a
//! frame into a device buffer and only queues it; `flush` tells the device about everything queued since the
//! last flush (one doorbell per batch) and reclaims finished transmissions. A frame the device cannot take
//! is never consumed: `transmit` returns an error and the caller still owns its bytes (it retries later or
//! drops and counts). Nothing a device reports can make a driver panic: bad lengths, descriptor errors and
//! a full ring are counted and reported.

/// Why a frame was not queued for transmission. In every case the frame was not consumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxError {
    /// No free transmit descriptor; `flush` and try again later.
    RingFull,
    /// Longer than the device's largest frame (or empty).
    BadLength,
    /// The device is not usable (reset failed, link down, queue broken).
    Device,
    /// The frame asks for offload work (a partial checksum, segmentation) the device does not do.
    Unsupported,
}

/// A partial checksum: sum the frame from `start` to its end and store the complement at
/// `start + offset` (virtio's `csum_start`/`csum_offset`; offsets from the frame's first byte).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartialChecksum {
    pub start: u16,
    pub offset: u16,
}

/// Offload facts of one frame (what virtio-net's header carries, virtio 1.2 §5.1.6): on receive, what
/// the device left undone or already did; on transmit, what it is asked to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameOffload {
    /// The TCP/UDP checksum is partial (`NEEDS_CSUM`): the field holds the pseudo-header sum.
    pub partial_checksum: Option<PartialChecksum>,
    /// The device verified the checksum (`DATA_VALID`; receive only).
    pub checksum_valid: bool,
    /// A TCP/IPv4 super-frame to be cut into segments of this many payload bytes (`GSO_TCPV4`).
    pub tcp_segment_size: Option<u16>,
}

impl FrameOffload {
    /// A frame with complete checksums and no segmentation.
    pub const NONE: Self = Self {
        partial_checksum: None,
        checksum_valid: false,
        tcp_segment_size: None,
    };
}

/// What a device finishes on transmit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OffloadCaps {
    /// Completes partial TCP/UDP checksums.
    pub checksum: bool,
    /// Segments TCP/IPv4 super-frames.
    pub tcp4_segmentation: bool,
}

/// Per-device counters, as `/interface print stats` shows them (RouterOS names in comments).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetCounters {
    /// rx-packet / rx-byte: frames handed to the datapath.
    pub rx_packets: u64,
    pub rx_bytes: u64,
    /// rx-error: frames the device flagged as bad or with impossible lengths (dropped by the driver).
    pub rx_errors: u64,
    /// rx-drop: frames the device dropped for lack of buffers, where the device reports it.
    pub rx_dropped: u64,
    /// tx-packet / tx-byte: frames queued to the device.
    pub tx_packets: u64,
    pub tx_bytes: u64,
    /// tx-error: transmissions the device reported as failed.
    pub tx_errors: u64,
    /// tx-queue-drop: `transmit` calls refused because the ring was full.
    pub tx_ring_full: u64,
}

/// What a device's interrupt reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interrupt {
    /// The device raised the interrupt (a cause it was asked to report was pending).
    pub raised: bool,
    /// Among the causes: the link state changed (read it again with `link_up`).
    pub link_changed: bool,
}

/// A network interface card as the datapath drives it.
pub trait NetDevice {
    /// The station address (read from the device: EEPROM, config space).
    fn mac(&self) -> [u8; 6];

    /// Whether the link is up, as the device reports it now.
    fn link_up(&mut self) -> bool;

    /// Hands up to `budget` received frames (Ethernet header first, no FCS) to `deliver`, oldest first,
    /// with what the device said about their checksums and segmentation, and gives their buffers back
    /// to the device. Returns how many frames were delivered.
    fn receive(&mut self, budget: usize, deliver: &mut dyn FnMut(&[u8], &FrameOffload)) -> usize;

    /// Copies `frame` into a transmit buffer and queues it; the device sees it at the next `flush`.
    fn transmit(&mut self, frame: &[u8]) -> Result<(), TxError>;

    /// What the device finishes on transmit ([`NetDevice::transmit_offloaded`]); none by default.
    fn offload_caps(&self) -> OffloadCaps {
        OffloadCaps::default()
    }

    /// [`NetDevice::transmit`] for a frame the device is to finish (within [`NetDevice::offload_caps`]);
    /// anything else is refused with [`TxError::Unsupported`].
    fn transmit_offloaded(&mut self, frame: &[u8], offload: &FrameOffload) -> Result<(), TxError> {
        match *offload == FrameOffload::NONE {
            true => self.transmit(frame),
            false => Err(TxError::Unsupported),
        }
    }

    /// Notifies the device of the frames queued since the last flush and reclaims finished ones.
    fn flush(&mut self);

    /// Turns the device's receive (and link-change) interrupts on or off (NAPI-style: off while the
    /// datapath polls, on before the CPU halts).
    fn set_interrupts(&mut self, enabled: bool);

    /// Acknowledges a pending interrupt and says what it was about (INTx lines are shared, so possibly
    /// nothing of this device's).
    fn ack_interrupt(&mut self) -> Interrupt;

    /// Whether a received frame is waiting (checked before halting, to close the race with interrupts).
    fn rx_pending(&mut self) -> bool;

    fn counters(&self) -> NetCounters;

    /// Accepts every unicast frame whatever its destination MAC (needed where the appliance forwards
    /// frames not addressed to it: the null forwarder, later bridging). Returns whether the device
    /// now does so; the default cannot change it (virtio-net without a control queue: QEMU's device
    /// starts promiscuous).
    fn set_promiscuous(&mut self, _enabled: bool) -> bool {
        false
    }
}
