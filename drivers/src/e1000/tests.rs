//! The driver against [`FakeE1000`]: bring-up, the MAC address paths, receive and transmit batching across
//! ring laps, interrupts, counters, a device writing nonsense, and DMA exhaustion.

use alloc::vec;
use alloc::vec::Vec;

use super::descriptor::{
    RXD_ERR_CE, RXD_STAT_DD, RXD_STAT_EOP, TXD_CMD_EOP, TXD_CMD_IFCS, TXD_CMD_RS,
};
use super::descriptor::{TXD_STAT_DD, TXD_STAT_EC};
use super::fake::{FakeE1000, ICS};
use super::registers::*;
use super::*;
use crate::dma::fake::{VecDma, VecRegion};
use crate::net::{NetCounters, NetDevice, TxError};

const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

type Driver = E1000<FakeE1000, VecRegion>;

/// A driver over a fresh fake, and the fake's handle (attached to the driver's DMA memory).
fn setup() -> (Driver, FakeE1000) {
    let fake = FakeE1000::new(MAC);
    let mut dma = VecDma::default();
    let driver = E1000::new(fake.clone(), &mut dma).expect("bring-up");
    fake.attach(&dma);
    (driver, fake)
}

/// A broadcast frame of `len` bytes whose payload starts with `seq`.
fn frame(seq: u32, len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF; 6];
    bytes.extend_from_slice(&MAC);
    bytes.extend_from_slice(&[0x08, 0x00]);
    bytes.extend_from_slice(&seq.to_be_bytes());
    bytes.resize(len, seq as u8);
    bytes
}

/// Everything `receive(budget)` delivers, copied.
fn receive(driver: &mut Driver, budget: usize) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    let delivered = driver.receive(budget, &mut |bytes, _| frames.push(bytes.to_vec()));
    assert_eq!(delivered, frames.len());
    frames
}

// ---- bring-up ----

#[test]
fn bring_up_resets_then_programs_address_rings_and_link() {
    let (mut driver, fake) = setup();
    assert_eq!(driver.mac(), MAC);
    let writes = fake.writes();
    // Interrupts masked before anything else, then the global reset.
    assert_eq!(writes[0], (IMC, u32::MAX));
    assert_eq!(writes[1].0, CTRL);
    assert_ne!(writes[1].1 & CTRL_RST, 0);
    assert_eq!(fake.peek(IMS), 0);

    assert_eq!(fake.peek(RAL0), 0x1200_5452);
    assert_eq!(fake.peek(RAH0), 0x5634 | RAH_AV);
    assert_eq!(fake.write_count(RAH0), 1);
    let mta: Vec<_> = writes
        .iter()
        .filter(|(offset, _)| (MTA..MTA + MTA_ENTRIES * 4).contains(offset))
        .collect();
    assert_eq!(mta.len(), MTA_ENTRIES as usize);
    assert!(mta.iter().all(|(_, value)| *value == 0));

    let ctrl = fake.peek(CTRL);
    assert_eq!(ctrl & (CTRL_SLU | CTRL_ASDE), CTRL_SLU | CTRL_ASDE);
    assert_eq!(ctrl & (CTRL_RST | CTRL_PHY_RST | CTRL_ILOS | CTRL_VME), 0);
    assert!(driver.link_up());

    assert_eq!(fake.peek(RDLEN), (RX_RING_SIZE * 16) as u32);
    assert_eq!(fake.peek(RDH), 0);
    assert_eq!(fake.peek(RDT), RX_RING_SIZE as u32 - 1);
    assert_eq!(fake.peek(RCTL), RCTL_EN | RCTL_BAM | RCTL_SECRC);
    assert_eq!(fake.peek(TDLEN), (TX_RING_SIZE * 16) as u32);
    assert_eq!((fake.peek(TDH), fake.peek(TDT)), (0, 0));
    assert_eq!(
        fake.peek(TCTL),
        TCTL_EN | TCTL_PSP | (0x0F << 4) | (0x40 << 12)
    );
    assert_eq!(fake.peek(TIPG), 0x0060_200A);
    // Rings are page-aligned, so 16-byte descriptor alignment holds.
    assert_eq!(fake.peek(RDBAL) % 4096, 0);
    assert_eq!(fake.peek(TDBAL) % 4096, 0);
    assert_eq!(driver.counters(), NetCounters::default());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn link_follows_status_lu() {
    let (mut driver, fake) = setup();
    fake.set_link(false);
    assert!(!driver.link_up());
    fake.set_link(true);
    assert!(driver.link_up());
}

#[test]
fn mac_falls_back_to_receive_address_when_eeprom_is_silent() {
    let fake = FakeE1000::new(MAC).eeprom_silent();
    let driver = E1000::new(fake.clone(), &mut VecDma::default()).unwrap();
    assert_eq!(driver.mac(), MAC);
    // One word was tried (bounded) before falling back.
    assert_eq!(fake.write_count(EERD), 1);
}

#[test]
fn mac_falls_back_when_eeprom_holds_a_group_or_zero_address() {
    for bad in [[0x01, 0, 0x5E, 0, 0, 1], [0; 6], [0xFF; 6]] {
        let fake = FakeE1000::new(MAC).eeprom_mac(bad);
        let driver = E1000::new(fake, &mut VecDma::default()).unwrap();
        assert_eq!(driver.mac(), MAC);
    }
}

#[test]
fn no_usable_address_anywhere_is_an_error() {
    let silent = FakeE1000::new(MAC).eeprom_silent().reset_address(None);
    let result = E1000::new(silent, &mut VecDma::default());
    assert_eq!(result.err(), Some(E1000Error::NoMacAddress));

    let blank = FakeE1000::new([0xFF; 6]);
    let result = E1000::new(blank, &mut VecDma::default());
    assert_eq!(result.err(), Some(E1000Error::NoMacAddress));
}

#[test]
fn errors_display() {
    use alloc::string::ToString;
    assert_eq!(
        E1000Error::ResetTimeout.to_string(),
        "e1000: device reset did not complete"
    );
}

#[test]
fn reset_is_waited_for_but_bounded() {
    let slow = FakeE1000::new(MAC).reset_reads(1000);
    assert!(E1000::new(slow, &mut VecDma::default()).is_ok());

    let stuck = FakeE1000::new(MAC).reset_reads(u32::MAX);
    let mut dma = VecDma::default();
    let result = E1000::new(stuck.clone(), &mut dma);
    assert_eq!(result.err(), Some(E1000Error::ResetTimeout));
    // Nothing allocated, receiver and transmitter never enabled.
    assert!(dma.regions.is_empty());
    assert_eq!(stuck.write_count(RCTL) + stuck.write_count(TCTL), 0);
}

#[test]
fn dma_exhaustion_is_an_error_at_every_allocation() {
    // Rings: one descriptor page plus 128 buffer pages (two 2 KiB buffers each), for RX and for TX.
    let needed = 2 * (1 + RX_RING_SIZE / 2);
    for budget in [0, 1, 2, 128, 129, 130, 131, needed - 1] {
        let fake = FakeE1000::new(MAC);
        let mut dma = VecDma::default();
        dma.budget = Some(budget);
        let result = E1000::new(fake.clone(), &mut dma);
        assert_eq!(
            result.err(),
            Some(E1000Error::OutOfDmaMemory),
            "budget {budget}"
        );
        assert_eq!(fake.write_count(RCTL), 0);
    }
    let mut dma = VecDma::default();
    dma.budget = Some(needed);
    assert!(E1000::new(FakeE1000::new(MAC), &mut dma).is_ok());
    assert_eq!(dma.budget, Some(0));
}

// ---- receive ----

#[test]
fn receives_one_frame_without_fcs() {
    let (mut driver, fake) = setup();
    assert!(!driver.rx_pending());
    let sent = frame(7, 60);
    assert!(fake.inject(&sent));
    assert!(driver.rx_pending());
    let rdt_writes = fake.write_count(RDT);

    assert_eq!(receive(&mut driver, 64), vec![sent]);
    assert!(!driver.rx_pending());
    // One tail update, handing descriptor 0 back.
    assert_eq!(fake.write_count(RDT), rdt_writes + 1);
    assert_eq!(fake.peek(RDT), 0);
    let counters = driver.counters();
    assert_eq!((counters.rx_packets, counters.rx_bytes), (1, 60));
    // Nothing new: no register access at all.
    assert!(receive(&mut driver, 64).is_empty());
    assert_eq!(fake.write_count(RDT), rdt_writes + 1);
}

#[test]
fn receive_respects_budget_and_recycles_buffers_over_many_laps() {
    let (mut driver, fake) = setup();
    let total = 4 * RX_RING_SIZE as u32 + 17;
    let mut injected = 0u32;
    let mut received = Vec::new();
    let mut polls = 0;
    while received.len() < total as usize {
        // The wire delivers until the device runs out of descriptors.
        while injected < total && fake.inject(&frame(injected, 60 + (injected as usize % 1400))) {
            injected += 1;
        }
        let rdt_writes = fake.write_count(RDT);
        let batch = receive(&mut driver, 32);
        assert!(batch.len() <= 32);
        assert!(!batch.is_empty());
        assert_eq!(
            fake.write_count(RDT),
            rdt_writes + 1,
            "one tail write per batch"
        );
        received.extend(batch);
        polls += 1;
    }
    assert!(polls >= total as usize / 32);
    for (seq, bytes) in received.iter().enumerate() {
        assert_eq!(bytes, &frame(seq as u32, 60 + (seq % 1400)));
    }
    let counters = driver.counters();
    assert_eq!(counters.rx_packets, u64::from(total));
    assert_eq!(counters.rx_errors, 0);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn full_ring_holds_size_minus_one_frames_and_misses_are_rx_dropped() {
    let (mut driver, fake) = setup();
    let accepted = (0..RX_RING_SIZE as u32 + 3)
        .filter(|seq| fake.inject(&frame(*seq, 64)))
        .count();
    assert_eq!(accepted, RX_RING_SIZE - 1);
    driver.set_interrupts(true);
    assert!(driver.ack_interrupt().raised); // RXT0 | RXO | RXDMT0
    assert_eq!(driver.counters().rx_dropped, 4);
    assert_eq!(receive(&mut driver, usize::MAX).len(), RX_RING_SIZE - 1);
}

#[test]
fn zero_budget_touches_nothing() {
    let (mut driver, fake) = setup();
    fake.inject(&frame(1, 60));
    let writes = fake.writes().len();
    assert!(receive(&mut driver, 0).is_empty());
    assert_eq!(fake.writes().len(), writes);
    assert!(driver.rx_pending());
}

#[test]
fn frames_with_errors_or_impossible_lengths_are_counted_and_recycled() {
    let (mut driver, fake) = setup();
    let good = frame(1, 100);
    let done = RXD_STAT_DD | RXD_STAT_EOP;
    fake.write_rx_descriptor(0, &good, 100, done, RXD_ERR_CE);
    fake.write_rx_descriptor(1, &good, 0, done, 0);
    fake.write_rx_descriptor(2, &good, 13, done, 0);
    fake.write_rx_descriptor(3, &good, 2049, done, 0);
    fake.write_rx_descriptor(4, &good, u16::MAX, done, 0);
    // An IP checksum error (bit 6) is the datapath's business: delivered.
    fake.write_rx_descriptor(5, &good, 100, done, 1 << 6);
    fake.write_rx_descriptor(6, &good, 2048, done, 0);

    let frames = receive(&mut driver, 64);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0], good);
    assert_eq!(frames[1].len(), 2048);
    let counters = driver.counters();
    assert_eq!((counters.rx_errors, counters.rx_packets), (5, 2));
    assert_eq!(fake.peek(RDT), 6);
    // Recycled descriptors are clean again: nothing pending.
    assert!(!driver.rx_pending());
}

#[test]
fn frames_spanning_descriptors_are_dropped_whole_even_across_polls() {
    let (mut driver, fake) = setup();
    let piece = frame(9, 2048);
    fake.write_rx_descriptor(0, &piece, 2048, RXD_STAT_DD, 0);
    assert!(receive(&mut driver, 8).is_empty());
    assert_eq!(driver.counters().rx_errors, 1);

    fake.write_rx_descriptor(1, &piece, 2048, RXD_STAT_DD, 0);
    fake.write_rx_descriptor(2, &piece, 100, RXD_STAT_DD | RXD_STAT_EOP, 0);
    fake.write_rx_descriptor(3, &frame(10, 80), 80, RXD_STAT_DD | RXD_STAT_EOP, 0);
    let frames = receive(&mut driver, 8);
    assert_eq!(frames, vec![frame(10, 80)]);
    let counters = driver.counters();
    assert_eq!((counters.rx_errors, counters.rx_packets), (1, 1));
    assert_eq!(fake.peek(RDT), 3);
}

#[test]
fn a_device_marking_every_descriptor_done_is_bounded_to_one_lap_per_call() {
    let (mut driver, fake) = setup();
    for index in 0..RX_RING_SIZE {
        fake.write_rx_descriptor(index, &[], 0, RXD_STAT_DD | RXD_STAT_EOP, 0);
    }
    assert!(receive(&mut driver, usize::MAX).is_empty());
    assert_eq!(driver.counters().rx_errors, RX_RING_SIZE as u64);
    assert!(!driver.rx_pending());
}

#[test]
fn wild_head_registers_cannot_hurt_the_driver() {
    let (mut driver, fake) = setup();
    fake.poke(RDH, 9999);
    fake.poke(TDH, u32::MAX);
    assert!(!fake.inject(&frame(1, 60)));
    assert!(!driver.rx_pending());
    assert!(receive(&mut driver, 64).is_empty());
    for seq in 0..10 {
        driver.transmit(&frame(seq, 60)).unwrap();
    }
    driver.flush();
    assert!(fake.take_sent().is_empty());
    assert_eq!(fake.peek(TDT), 10);
}

// ---- transmit ----

#[test]
fn transmit_batches_frames_behind_one_doorbell() {
    let (mut driver, fake) = setup();
    let tdt_writes = fake.write_count(TDT);
    let frames: Vec<_> = (0..10)
        .map(|seq| frame(seq, 60 + seq as usize * 100))
        .collect();
    for bytes in &frames {
        driver.transmit(bytes).unwrap();
    }
    assert_eq!(fake.write_count(TDT), tdt_writes, "nothing before flush");
    assert!(fake.take_sent().is_empty());

    driver.flush();
    assert_eq!(fake.write_count(TDT), tdt_writes + 1);
    assert_eq!(fake.peek(TDT), 10);
    let sent = fake.take_sent();
    assert_eq!(sent.len(), 10);
    for (sent, bytes) in sent.iter().zip(&frames) {
        assert_eq!(&sent.bytes, bytes);
        assert_eq!(sent.command, TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS);
    }
    let counters = driver.counters();
    assert_eq!(counters.tx_packets, 10);
    assert_eq!(
        counters.tx_bytes,
        frames.iter().map(|f| f.len() as u64).sum::<u64>()
    );

    // A flush with nothing queued rings no doorbell.
    driver.flush();
    assert_eq!(fake.write_count(TDT), tdt_writes + 1);
}

#[test]
fn full_ring_refuses_without_consuming_until_reclaimed() {
    let (mut driver, fake) = setup();
    for seq in 0..TX_RING_SIZE as u32 - 1 {
        driver.transmit(&frame(seq, 60)).unwrap();
    }
    let refused = frame(999, 60);
    assert_eq!(driver.transmit(&refused), Err(TxError::RingFull));
    assert_eq!(driver.counters().tx_ring_full, 1);
    assert_eq!(driver.counters().tx_packets, TX_RING_SIZE as u64 - 1);

    // The device is slow: the doorbell is rung but nothing completes, so the ring stays full.
    let tctl = fake.peek(TCTL);
    fake.poke(TCTL, 0);
    driver.flush();
    assert_eq!(driver.transmit(&refused), Err(TxError::RingFull));
    assert_eq!(driver.counters().tx_ring_full, 2);

    // Once it catches up, `transmit` itself reclaims the finished descriptors.
    fake.poke(TCTL, tctl);
    fake.process_tx();
    assert_eq!(fake.take_sent().len(), TX_RING_SIZE - 1);
    driver.transmit(&refused).unwrap();
    driver.flush();
    assert_eq!(fake.take_sent()[0].bytes, refused);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn transmit_wraps_the_ring_many_times() {
    let (mut driver, fake) = setup();
    let mut sent = Vec::new();
    for seq in 0..5 * TX_RING_SIZE as u32 {
        driver.transmit(&frame(seq, 64)).unwrap();
        if seq % 50 == 49 {
            driver.flush();
            sent.extend(fake.take_sent());
        }
    }
    driver.flush();
    sent.extend(fake.take_sent());
    assert_eq!(sent.len(), 5 * TX_RING_SIZE);
    for (seq, frame_sent) in sent.iter().enumerate() {
        assert_eq!(frame_sent.bytes, frame(seq as u32, 64));
    }
    assert_eq!(driver.counters().tx_ring_full, 0);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[test]
fn transmit_rejects_empty_and_oversized_frames() {
    let (mut driver, fake) = setup();
    assert_eq!(driver.transmit(&[]), Err(TxError::BadLength));
    assert_eq!(
        driver.transmit(&frame(1, MAX_TX_FRAME + 1)),
        Err(TxError::BadLength)
    );
    driver.transmit(&frame(1, MAX_TX_FRAME)).unwrap();
    driver.flush();
    assert_eq!(fake.take_sent()[0].bytes.len(), MAX_TX_FRAME);
    assert_eq!(driver.counters().tx_packets, 1);
}

#[test]
fn failed_transmissions_are_counted() {
    let (mut driver, fake) = setup();
    fake.set_tx_extra_status(TXD_STAT_EC);
    for seq in 0..3 {
        driver.transmit(&frame(seq, 60)).unwrap();
    }
    driver.flush();
    assert_eq!(driver.counters().tx_errors, 3);
    assert_eq!(driver.counters().tx_packets, 3);
}

#[test]
fn completions_reported_early_do_not_corrupt_the_ring() {
    let (mut driver, fake) = setup();
    // The device marks every descriptor done before anything was queued.
    for index in 0..TX_RING_SIZE {
        fake.write_tx_status(index, TXD_STAT_DD);
    }
    driver.flush();
    for seq in 0..TX_RING_SIZE as u32 - 1 {
        driver.transmit(&frame(seq, 60)).unwrap();
    }
    assert_eq!(driver.transmit(&frame(0, 60)), Err(TxError::RingFull));
    driver.flush();
    assert_eq!(fake.take_sent().len(), TX_RING_SIZE - 1);
    driver.transmit(&frame(0, 60)).unwrap();
}

// ---- interrupts ----

#[test]
fn interrupts_enable_ack_and_disable() {
    let (mut driver, fake) = setup();
    driver.set_interrupts(true);
    assert_eq!(fake.peek(IMS), INTERRUPTS);
    assert!(!driver.ack_interrupt().raised, "nothing pending");

    fake.inject(&frame(1, 60));
    assert!(driver.ack_interrupt().raised);
    assert_eq!(fake.peek(ICR), 0, "ICR is read-to-clear");
    assert!(!driver.ack_interrupt().raised);

    // Transmit completions are not ours to claim on a shared line.
    driver.transmit(&frame(2, 60)).unwrap();
    driver.flush();
    assert_ne!(fake.peek(ICR) & (INT_TXDW | INT_TXQE), 0);
    assert!(!driver.ack_interrupt().raised);

    fake.set_link(false);
    let interrupt = driver.ack_interrupt();
    assert!(interrupt.raised && interrupt.link_changed);
    assert!(!driver.link_up());
    fake.inject(&frame(3, 60));
    assert!(
        !driver.ack_interrupt().link_changed,
        "a receive interrupt is not a link change"
    );

    driver.set_interrupts(false);
    assert_eq!(fake.peek(IMS), 0);
    // A cause raised by software (ICS) is still acknowledged.
    Registers::write(&mut fake.clone(), ICS, INT_RXT0);
    assert!(driver.ack_interrupt().raised);
}

#[test]
fn promiscuous_modes_toggle_rctl_bits() {
    let (mut driver, fake) = setup();
    driver.set_promiscuous(true, true);
    assert_eq!(fake.peek(RCTL) & (RCTL_UPE | RCTL_MPE), RCTL_UPE | RCTL_MPE);
    driver.set_promiscuous(false, true);
    assert_eq!(fake.peek(RCTL) & (RCTL_UPE | RCTL_MPE), RCTL_MPE);
    driver.set_promiscuous(false, false);
    assert_eq!(fake.peek(RCTL), RCTL_EN | RCTL_BAM | RCTL_SECRC);
}
