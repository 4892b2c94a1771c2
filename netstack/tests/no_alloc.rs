//! Forwarding does not allocate once warm: a counting global allocator watches this thread while the engine
//! forwards a thousand frames to a resolved neighbour.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use netstack::{Engine, EngineConfig, Instant};
use smoltcp::wire::{EthernetAddress, Ipv4Address, Ipv4Cidr};

mod common;

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: defers to the system allocator; only counts calls made while this thread enabled counting.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn forwarding_to_a_resolved_neighbour_does_not_allocate() {
    let now = Instant::from_secs(1);
    let lan_mac = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 2]);
    let mut engine = Engine::new(EngineConfig::default(), now);
    let wan = engine
        .add_interface("ether1", EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 1]))
        .unwrap();
    let lan = engine.add_interface("ether2", lan_mac).unwrap();
    engine
        .add_address(Ipv4Cidr::new(Ipv4Address::new(10, 0, 0, 1), 24), wan)
        .unwrap();
    engine
        .add_address(Ipv4Cidr::new(Ipv4Address::new(192, 168, 88, 1), 24), lan)
        .unwrap();
    engine
        .add_static_arp(wan, Ipv4Address::new(10, 0, 0, 2), common::mac(2), now)
        .unwrap();
    let frames: Vec<Vec<u8>> = (0..16u8)
        .map(|i| {
            common::udp_frame(
                common::mac(10),
                lan_mac,
                common::ip(192, 168, 88, 10),
                common::ip(10, 0, 0, 2),
                64,
                &[i; 18],
            )
        })
        .collect();
    // The gratuitous ARP announcement of 10.0.0.1 leaves first.
    assert_eq!(engine.transmit(wan, |_| true), 1);
    let mut sent = 0;
    for frame in &frames {
        engine.receive(lan, frame, now);
        sent += engine.transmit(wan, |_| true);
    }
    COUNTING.with(|c| c.set(true));
    for i in 0..1000 {
        engine.receive(lan, &frames[i % frames.len()], now);
        sent += engine.transmit(wan, |_| true);
    }
    COUNTING.with(|c| c.set(false));
    assert_eq!(sent, 1016);
    assert_eq!(
        ALLOCATIONS.with(Cell::get),
        0,
        "the forwarding path allocated"
    );
}
