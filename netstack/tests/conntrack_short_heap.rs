//! A connection table allowed more entries than the heap can hold (`max-entries=1048576` on a small VM)
//! refuses new flows when it cannot grow, instead of failing an allocation — which in the kernel halts
//! the router. This binary's allocator fails every allocation past a budget while the test fills the
//! table, so growth fails the way it does on a short heap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use netstack::conntrack::{Conntrack, ConntrackSettings, MAX_ENTRIES_LIMIT};
use netstack::{Duration, Instant};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{IpProtocol, Ipv4Address, Ipv4Packet, Ipv4Repr, UdpPacket, UdpRepr};

/// The system allocator with a budget: while `LIMITED`, an allocation that would take the bytes in use
/// past `BUDGET` fails (returns null) as a full heap does.
struct Budgeted;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static LIMITED: AtomicBool = AtomicBool::new(false);
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

// SAFETY: every call is passed on to `System` with the same arguments; the wrapper only counts and
// sometimes refuses (returns null, which `GlobalAlloc` allows).
unsafe impl GlobalAlloc for Budgeted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let used = IN_USE.load(Ordering::Relaxed);
        if LIMITED.load(Ordering::Relaxed) && used + layout.size() > BUDGET.load(Ordering::Relaxed)
        {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Budgeted = Budgeted;

/// A UDP datagram 10.0.x.y:port → 198.51.100.1:9000 (one flow per (i, port)).
fn udp(i: u32) -> Vec<u8> {
    let src = Ipv4Address::new(10, 0, (i >> 8) as u8, i as u8);
    let dst = Ipv4Address::new(198, 51, 100, 1);
    let udp = UdpRepr {
        src_port: 1024 + (i >> 16) as u16,
        dst_port: 9000,
    };
    let ip = Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::Udp,
        payload_len: 8 + 4,
        hop_limit: 64,
    };
    let mut bytes = vec![0u8; 20 + 8 + 4];
    let caps = ChecksumCapabilities::default();
    ip.emit(&mut Ipv4Packet::new_unchecked(&mut bytes), &caps);
    udp.emit(
        &mut UdpPacket::new_unchecked(&mut bytes[20..]),
        &src.into(),
        &dst.into(),
        4,
        |p| p.copy_from_slice(b"fill"),
        &caps,
    );
    bytes
}

#[test]
fn a_table_larger_than_the_heap_refuses_new_flows_instead_of_failing() {
    let settings = ConntrackSettings {
        max_entries: MAX_ENTRIES_LIMIT,
        udp_timeout: Duration::from_secs(600),
        ..ConntrackSettings::default()
    };
    let mut ct = Conntrack::new(settings, 7);
    let now = Instant::from_secs(1);
    // Room for a few thousand connections beyond what is in use now.
    BUDGET.store(
        IN_USE.load(Ordering::Relaxed) + (1 << 20),
        Ordering::Relaxed,
    );
    LIMITED.store(true, Ordering::Relaxed);
    let mut confirmed = 0u32;
    let mut refused = 0u32;
    for i in 0..100_000u32 {
        let tracked = ct.process(&udp(i), now);
        match (tracked.tentative, tracked.facts.id) {
            (true, Some(id)) => match ct.confirm(id) {
                Ok(()) => confirmed += 1,
                Err(_) => refused += 1,
            },
            _ if tracked.table_full => refused += 1,
            _ => {}
        }
        if refused > 1000 {
            break;
        }
    }
    LIMITED.store(false, Ordering::Relaxed);
    assert!(confirmed > 1000, "only {confirmed} connections fit");
    assert!(refused > 0, "the budget never ran out");
    assert!(ct.stats().no_memory > 0, "{:?}", ct.stats());
    assert_eq!(ct.len(), confirmed as usize);
    // The connections that fit are still found: a second datagram of the first flow is not new.
    let again = ct.process(&udp(0), now);
    assert!(!again.tentative, "flow 0 was forgotten");
}
