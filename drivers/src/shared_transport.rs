//! A virtio transport with two users: the `virtio-drivers` device that owns it for its queues, and the
//! driver around that device, which needs what the crate keeps to itself.
//!
//! `virtio-drivers` moves the transport into its device type and offers no way back to it, but a driver
//! still has to read device-specific configuration the crate does not expose (virtio-net's link status,
//! virtio 1.x §5.1.4) and to know which features were actually negotiated (§2.2: a field such as the
//! link status is only valid when its feature was accepted). [`SharedTransport`] is a cloneable handle:
//! one clone goes to the crate, the driver keeps another. Every call takes a short lock; nothing holds
//! it across calls, so the two users never wait for each other except for the length of one register
//! access. It also records the feature bits the driver wrote ([`SharedTransport::driver_features`]).

use alloc::sync::Arc;

use spin::Mutex;
use virtio_drivers::transport::{DeviceStatus, DeviceType, InterruptStatus, Transport};
use virtio_drivers::{PhysAddr, Result};
use zerocopy::{FromBytes, Immutable, IntoBytes};

pub struct SharedTransport<T> {
    inner: Arc<Mutex<Shared<T>>>,
}

struct Shared<T> {
    transport: T,
    driver_features: u64,
}

impl<T> Clone for SharedTransport<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Transport> SharedTransport<T> {
    pub fn new(transport: T) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Shared {
                transport,
                driver_features: 0,
            })),
        }
    }

    /// The feature bits the driver accepted (the last value written with `write_driver_features`; zero
    /// before negotiation).
    pub fn driver_features(&self) -> u64 {
        self.inner.lock().driver_features
    }

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.inner.lock().transport)
    }
}

impl<T: Transport> Transport for SharedTransport<T> {
    fn device_type(&self) -> DeviceType {
        self.with(|t| t.device_type())
    }

    fn read_device_features(&mut self) -> u64 {
        self.with(|t| t.read_device_features())
    }

    fn write_driver_features(&mut self, driver_features: u64) {
        let mut shared = self.inner.lock();
        shared.driver_features = driver_features;
        shared.transport.write_driver_features(driver_features);
    }

    fn max_queue_size(&mut self, queue: u16) -> u32 {
        self.with(|t| t.max_queue_size(queue))
    }

    fn notify(&mut self, queue: u16) {
        self.with(|t| t.notify(queue))
    }

    fn get_status(&self) -> DeviceStatus {
        self.with(|t| t.get_status())
    }

    fn set_status(&mut self, status: DeviceStatus) {
        self.with(|t| t.set_status(status))
    }

    fn set_guest_page_size(&mut self, guest_page_size: u32) {
        self.with(|t| t.set_guest_page_size(guest_page_size))
    }

    fn requires_legacy_layout(&self) -> bool {
        self.with(|t| t.requires_legacy_layout())
    }

    fn queue_set(
        &mut self,
        queue: u16,
        size: u32,
        descriptors: PhysAddr,
        driver_area: PhysAddr,
        device_area: PhysAddr,
    ) {
        self.with(|t| t.queue_set(queue, size, descriptors, driver_area, device_area))
    }

    fn queue_unset(&mut self, queue: u16) {
        self.with(|t| t.queue_unset(queue))
    }

    fn queue_used(&mut self, queue: u16) -> bool {
        self.with(|t| t.queue_used(queue))
    }

    fn ack_interrupt(&mut self) -> InterruptStatus {
        self.with(|t| t.ack_interrupt())
    }

    fn read_config_generation(&self) -> u32 {
        self.with(|t| t.read_config_generation())
    }

    fn read_config_space<V: FromBytes + IntoBytes>(&self, offset: usize) -> Result<V> {
        self.with(|t| t.read_config_space(offset))
    }

    fn write_config_space<V: IntoBytes + Immutable>(
        &mut self,
        offset: usize,
        value: V,
    ) -> Result<()> {
        self.with(|t| t.write_config_space(offset, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use virtio_drivers::Error;

    /// A transport whose config space is a byte array; it answers nothing else of interest.
    #[derive(Default)]
    struct FakeTransport {
        config: Vec<u8>,
        features_written: Vec<u64>,
        notified: Vec<u16>,
    }

    impl Transport for FakeTransport {
        fn device_type(&self) -> DeviceType {
            DeviceType::Network
        }
        fn read_device_features(&mut self) -> u64 {
            0b1011
        }
        fn write_driver_features(&mut self, driver_features: u64) {
            self.features_written.push(driver_features);
        }
        fn max_queue_size(&mut self, _queue: u16) -> u32 {
            256
        }
        fn notify(&mut self, queue: u16) {
            self.notified.push(queue);
        }
        fn get_status(&self) -> DeviceStatus {
            DeviceStatus::empty()
        }
        fn set_status(&mut self, _status: DeviceStatus) {}
        fn set_guest_page_size(&mut self, _guest_page_size: u32) {}
        fn requires_legacy_layout(&self) -> bool {
            false
        }
        fn queue_set(&mut self, _: u16, _: u32, _: PhysAddr, _: PhysAddr, _: PhysAddr) {}
        fn queue_unset(&mut self, _queue: u16) {}
        fn queue_used(&mut self, _queue: u16) -> bool {
            false
        }
        fn ack_interrupt(&mut self) -> InterruptStatus {
            InterruptStatus::DEVICE_CONFIGURATION_INTERRUPT
        }
        fn read_config_generation(&self) -> u32 {
            0
        }
        fn read_config_space<V: FromBytes + IntoBytes>(&self, offset: usize) -> Result<V> {
            let bytes = self
                .config
                .get(offset..offset + size_of::<V>())
                .ok_or(Error::ConfigSpaceTooSmall)?;
            V::read_from_bytes(bytes).map_err(|_| Error::ConfigSpaceTooSmall)
        }
        fn write_config_space<V: IntoBytes + Immutable>(
            &mut self,
            offset: usize,
            value: V,
        ) -> Result<()> {
            let target = self
                .config
                .get_mut(offset..offset + size_of::<V>())
                .ok_or(Error::ConfigSpaceTooSmall)?;
            target.copy_from_slice(value.as_bytes());
            Ok(())
        }
    }

    #[test]
    fn both_handles_reach_the_same_device() {
        let fake = FakeTransport {
            config: alloc::vec![0; 8],
            ..Default::default()
        };
        let mut device_side = SharedTransport::new(fake);
        let driver_side = device_side.clone();

        device_side.write_config_space::<u16>(6, 1).unwrap();
        assert_eq!(driver_side.read_config_space::<u16>(6).unwrap(), 1);
        assert!(
            driver_side.read_config_space::<u16>(7).is_err(),
            "out of range stays an error"
        );

        device_side.notify(1);
        assert!(device_side.ack_interrupt() == InterruptStatus::DEVICE_CONFIGURATION_INTERRUPT);
        assert_eq!(driver_side.with(|t| t.notified.clone()), [1]);
    }

    #[test]
    fn negotiated_features_are_recorded() {
        let mut device_side = SharedTransport::new(FakeTransport::default());
        let driver_side = device_side.clone();
        assert_eq!(driver_side.driver_features(), 0);
        // The crate's negotiation: device features & supported features, written back.
        let offered = device_side.read_device_features();
        device_side.write_driver_features(offered & 0b0011);
        assert_eq!(driver_side.driver_features(), 0b0011);
        assert_eq!(driver_side.with(|t| t.features_written.clone()), [0b0011]);
    }
}
