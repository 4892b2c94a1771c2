//! The kernel-side test suite, built with `--features ktest` instead of the appliance's console.
//!
//! After a normal boot the kernel prints `ktest: ready` and reads one line from the serial port naming a
//! suite, so one image serves every test the host runner drives:
//! - `unit`: allocator, frame allocator, clock, timer interrupt, breakpoint handler, PCI, ACPI checks; exits
//!   QEMU with `EXIT_SUCCESS` (status 33) when all pass, `EXIT_FAILURE` (35) otherwise;
//! - `page-fault`, `double-fault`: provoke that exception; the fatal-exception path prints its diagnosis and,
//!   because the fault was expected, exits with success (an unexpected fault exits with failure);
//! - `panic`: panics; the panic handler prints message and location and exits with failure, as every panic
//!   in a test build does;
//! - `disk`: reads, writes and range checks on the config partition `storage` found at boot, through
//!   whichever driver it sits behind (virtio-blk or ATA); the runner attaches the image with a throw-away
//!   overlay, so the writes never reach the image file. Same exit statuses as `unit`.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU8, Ordering};

use drivers::block::{
    BlockDevice, BlockError, CONFIG_PARTITION_TYPE, Partition, PartitionTable, SECTOR_SIZE,
};
use x86_64::structures::paging::{FrameAllocator, FrameDeallocator};

use crate::power::{self, EXIT_FAILURE, EXIT_SUCCESS, FatalCause};
use crate::storage::{self, ConfigDisk};
use crate::{clock, interrupts, memory, println, serial};

/// The exception vector the running suite provokes on purpose (0xFF: none).
static EXPECTED_EXCEPTION: AtomicU8 = AtomicU8::new(0xFF);

type TestResult = Result<(), String>;
type KernelTest = (&'static str, fn() -> TestResult);

macro_rules! check {
    ($cond:expr, $($msg:tt)*) => {
        if !$cond {
            return Err(alloc::format!($($msg)*));
        }
    };
}

pub fn main() -> ! {
    println!("ktest: ready");
    let suite = read_line();
    match suite.trim() {
        "unit" => run_unit_tests(),
        "disk" => run_disk_tests(),
        "page-fault" => provoke_page_fault(),
        "double-fault" => provoke_double_fault(),
        "panic" => panic!("deliberate panic requested by the test runner"),
        other => {
            println!("ktest: unknown suite {other:?}");
            power::qemu_exit(EXIT_FAILURE)
        }
    }
}

fn read_line() -> String {
    let mut line = String::new();
    loop {
        while let Some(byte) = serial::read_byte() {
            match byte {
                b'\r' | b'\n' if !line.is_empty() => return line,
                b'\r' | b'\n' => {}
                byte if line.len() < 64 => line.push(char::from(byte)),
                _ => {}
            }
        }
        crate::idle(|| false);
    }
}

/// Called by the fatal paths of `interrupts` and the panic handler.
pub fn on_fatal(out: &mut dyn Write, cause: FatalCause) -> ! {
    let expected = EXPECTED_EXCEPTION.load(Ordering::Relaxed);
    if cause == FatalCause::Exception(expected) {
        let _ = writeln!(out, "ktest: expected exception handled");
        power::qemu_exit(EXIT_SUCCESS)
    }
    let _ = writeln!(out, "ktest: fatal error, failing");
    power::qemu_exit(EXIT_FAILURE)
}

fn provoke_page_fault() -> ! {
    EXPECTED_EXCEPTION.store(14, Ordering::Relaxed);
    // The last lower-half top-level slot: the bootloader and the heap fill slots from the bottom up.
    let address = 0x0000_7fff_dead_0000u64 as *const u64;
    // SAFETY: deliberately faulting read; the page-fault handler never returns here.
    let value = unsafe { core::ptr::read_volatile(address) };
    println!("ktest: read {value} from an unmapped page");
    power::qemu_exit(EXIT_FAILURE)
}

fn provoke_double_fault() -> ! {
    EXPECTED_EXCEPTION.store(8, Ordering::Relaxed);
    // SAFETY: deliberately points the stack at unmapped memory and raises a breakpoint: the CPU cannot push
    // the exception frame (page fault), cannot push that one either, and raises a double fault, which runs on
    // its IST stack and never returns here.
    unsafe {
        core::arch::asm!("mov rsp, 0x00007fffdead8000", "int3", options(noreturn));
    }
}

fn run_unit_tests() -> ! {
    let tests: &[KernelTest] = &[
        ("heap_box_and_vec", heap_box_and_vec),
        (
            "heap_many_allocations_are_returned",
            heap_many_allocations_are_returned,
        ),
        (
            "frames_are_distinct_aligned_and_writable",
            frames_are_distinct_aligned_and_writable,
        ),
        ("contiguous_frames", contiguous_frames),
        ("freed_frames_are_reused", freed_frames_are_reused),
        ("clock_is_monotonic", clock_is_monotonic),
        (
            "timer_interrupt_ticks_and_clock_agree",
            timer_interrupt_ticks_and_clock_agree,
        ),
        ("breakpoint_handler_returns", breakpoint_handler_returns),
        ("pci_finds_host_bridge", pci_finds_host_bridge),
        ("acpi_power_control_found", acpi_power_control_found),
    ];
    report(tests.iter().map(|(name, test)| (*name, test())))
}

/// Prints each result as the (lazy) iterator runs the tests, then exits QEMU with the verdict.
fn report(results: impl Iterator<Item = (&'static str, TestResult)>) -> ! {
    let (mut total, mut failed) = (0, 0);
    for (name, result) in results {
        total += 1;
        match result {
            Ok(()) => println!("ktest: {name} ... ok"),
            Err(message) => {
                failed += 1;
                println!("ktest: {name} ... FAILED: {message}");
            }
        }
    }
    if failed == 0 {
        println!("ktest: all {total} tests passed");
        power::qemu_exit(EXIT_SUCCESS)
    }
    println!("ktest: {failed} of {total} tests failed");
    power::qemu_exit(EXIT_FAILURE)
}

fn heap_box_and_vec() -> TestResult {
    let boxed = Box::new(41u64);
    check!(*boxed + 1 == 42, "boxed value corrupted");
    let numbers: Vec<u64> = (0..100_000).collect();
    check!(
        numbers.iter().sum::<u64>() == 99_999 * 100_000 / 2,
        "vector sum wrong"
    );
    let text = "router".to_string() + "os";
    check!(text == "routeros", "string concatenation wrong");
    Ok(())
}

fn heap_many_allocations_are_returned() -> TestResult {
    let before = memory::heap_used();
    for round in 0..4u8 {
        let blocks: Vec<Vec<u8>> = (0..2_000usize)
            .map(|i| alloc::vec![round; 1 + i % 512])
            .collect();
        for (i, block) in blocks.iter().enumerate() {
            check!(
                block.len() == 1 + i % 512 && block.iter().all(|&b| b == round),
                "block {i} corrupted"
            );
        }
    }
    let after = memory::heap_used();
    check!(
        after == before,
        "heap use grew from {before} to {after} bytes after freeing everything"
    );
    Ok(())
}

fn with_frames<R>(f: impl FnOnce(&mut crate::frame_allocator::Frames) -> R) -> Result<R, String> {
    let mut guard = memory::FRAMES.lock();
    let frames = guard.as_mut().ok_or("no frame allocator")?;
    Ok(f(frames))
}

fn frame_slice(frame: x86_64::structures::paging::PhysFrame, frames: usize) -> &'static mut [u64] {
    let ptr = memory::phys_to_virt(frame.start_address()).as_mut_ptr::<u64>();
    // SAFETY: the frames were just allocated for this test, so nothing else uses them, and the bootloader
    // maps all physical memory at the offset `phys_to_virt` adds.
    unsafe { core::slice::from_raw_parts_mut(ptr, frames * 512) }
}

fn frames_are_distinct_aligned_and_writable() -> TestResult {
    let allocated = with_frames(|f| {
        (0..64)
            .filter_map(|_| f.allocate_frame())
            .collect::<Vec<_>>()
    })?;
    check!(
        allocated.len() == 64,
        "only {} of 64 frames allocated",
        allocated.len()
    );
    for (i, frame) in allocated.iter().enumerate() {
        check!(
            frame.start_address().as_u64() % 4096 == 0,
            "frame {i} misaligned"
        );
        check!(frame.start_address().as_u64() != 0, "frame 0 handed out");
        check!(
            allocated[..i].iter().all(|other| other != frame),
            "frame {i} handed out twice"
        );
        frame_slice(*frame, 1).fill(0x5A5A_0000 + i as u64);
    }
    for (i, frame) in allocated.iter().enumerate() {
        check!(
            frame_slice(*frame, 1)
                .iter()
                .all(|&w| w == 0x5A5A_0000 + i as u64),
            "frame {i} overwritten"
        );
    }
    with_frames(|f| {
        for frame in allocated {
            // SAFETY: the frames came from this allocator and are no longer used.
            unsafe { f.deallocate_frame(frame) };
        }
    })
}

fn contiguous_frames() -> TestResult {
    let first = with_frames(|f| f.allocate_contiguous(16))?.ok_or("no 16-frame run")?;
    let run = frame_slice(first, 16);
    for (i, word) in run.iter_mut().enumerate() {
        *word = i as u64;
    }
    check!(
        run.iter().enumerate().all(|(i, &w)| w == i as u64),
        "contiguous run corrupted"
    );
    Ok(())
}

fn freed_frames_are_reused() -> TestResult {
    let free_before = with_frames(|f| f.free_bytes())?;
    let frame = with_frames(|f| f.allocate_frame())?.ok_or("no frame")?;
    check!(
        with_frames(|f| f.free_bytes())? == free_before - 4096,
        "free bytes not reduced by one frame"
    );
    // SAFETY: the frame came from this allocator and is not used.
    with_frames(|f| unsafe { f.deallocate_frame(frame) })?;
    let again = with_frames(|f| f.allocate_frame())?.ok_or("no frame")?;
    check!(again == frame, "a freed frame was not reused first");
    // SAFETY: as above.
    with_frames(|f| unsafe { f.deallocate_frame(again) })?;
    check!(
        with_frames(|f| f.free_bytes())? == free_before,
        "free bytes not restored"
    );
    Ok(())
}

fn clock_is_monotonic() -> TestResult {
    let hz = clock::tsc_hz();
    check!(
        (50_000_000..=20_000_000_000).contains(&hz),
        "implausible TSC frequency {hz} Hz"
    );
    let mut last = clock::now();
    for _ in 0..100_000 {
        let now = clock::now();
        check!(now >= last, "clock went backwards: {:?} -> {:?}", last, now);
        last = now;
    }
    Ok(())
}

fn timer_interrupt_ticks_and_clock_agree() -> TestResult {
    let start_ticks = clock::ticks();
    let start = clock::now();
    // Wait for 20 ticks (200 ms at 100 Hz), halting in between; give up after 5 s of clock time.
    while clock::ticks() < start_ticks + 20 {
        check!(
            clock::now().as_millis() - start.as_millis() < 5_000,
            "timer interrupts stopped"
        );
        crate::idle(|| false);
    }
    let elapsed_ms = clock::now().as_millis() - start.as_millis();
    // Loose bounds: a TCG vCPU can be descheduled, but a calibration off by 2x or more would show.
    check!(
        (100..=2_000).contains(&elapsed_ms),
        "20 ticks took {elapsed_ms} ms by the TSC clock"
    );
    Ok(())
}

fn breakpoint_handler_returns() -> TestResult {
    let before = interrupts::BREAKPOINTS.load(Ordering::Relaxed);
    x86_64::instructions::interrupts::int3();
    let after = interrupts::BREAKPOINTS.load(Ordering::Relaxed);
    check!(after == before + 1, "breakpoint count {before} -> {after}");
    Ok(())
}

fn pci_finds_host_bridge() -> TestResult {
    let devices = drivers::pci::enumerate(&mut crate::pci::PortConfigSpace);
    check!(!devices.is_empty(), "no PCI devices");
    let host = devices
        .iter()
        .find(|d| d.class == 0x06 && d.subclass == 0x00);
    check!(
        host.is_some(),
        "no host bridge among {} devices",
        devices.len()
    );
    Ok(())
}

fn acpi_power_control_found() -> TestResult {
    let control = power::acpi_control().ok_or("no ACPI power control")?;
    check!(control.pm1a_cnt.is_some(), "no PM1a control block");
    Ok(())
}

/// The config partition under test, taken out of `storage::CONFIG_DISK` for the `disk` suite.
struct DiskUnderTest {
    /// `None` only after re-opening the partition following a whole-device access failed.
    partition: Option<Partition<Box<dyn BlockDevice + Send>>>,
    first_lba: u64,
    sectors: u64,
    /// Sectors outside the partition, read through the whole device before any write: (LBA, contents).
    outside: Vec<(u64, Vec<u8>)>,
}

type DiskTest = (&'static str, fn(&mut DiskUnderTest) -> TestResult);

impl DiskUnderTest {
    fn partition(&mut self) -> Result<&mut Partition<Box<dyn BlockDevice + Send>>, String> {
        self.partition
            .as_mut()
            .ok_or_else(|| "config partition lost (re-opening it failed earlier)".to_string())
    }

    /// Runs `f` on the whole device (LBA 0 is the MBR), then confines the device to the config partition
    /// again, the way `storage` found it at boot.
    fn whole_device<R>(
        &mut self,
        f: impl FnOnce(&mut dyn BlockDevice) -> Result<R, String>,
    ) -> Result<R, String> {
        let mut device = self
            .partition
            .take()
            .ok_or("config partition lost (re-opening it failed earlier)")?
            .into_inner();
        let result = f(&mut *device);
        let partition = Partition::open(device, CONFIG_PARTITION_TYPE)
            .map_err(|refused| format!("re-opening the config partition: {}", refused.error))?;
        check!(
            partition.first_lba() == self.first_lba && partition.sector_count() == self.sectors,
            "re-opened partition is {} sectors at {}, was {} at {}",
            partition.sector_count(),
            partition.first_lba(),
            self.sectors,
            self.first_lba
        );
        self.partition = Some(partition);
        result
    }
}

/// Heap buffers only: virtio shares them with the device in place, which needs physically contiguous
/// memory (the heap is; the stack is not).
fn sector_buffer(sectors: usize) -> Vec<u8> {
    alloc::vec![0; sectors * SECTOR_SIZE]
}

/// Distinct contents for every sector and `seed`: the sector's (partition) LBA in its first 8 bytes, then a
/// pattern of LBA, seed and offset.
fn sector_pattern(lba: u64, sectors: usize, seed: u8) -> Vec<u8> {
    let mut buf = sector_buffer(sectors);
    for (i, sector) in buf.chunks_mut(SECTOR_SIZE).enumerate() {
        let this = lba + i as u64;
        sector[..8].copy_from_slice(&this.to_le_bytes());
        for (j, byte) in sector.iter_mut().enumerate().skip(8) {
            *byte = (j as u8).wrapping_mul(31) ^ seed ^ (this as u8);
        }
    }
    buf
}

fn read_sectors<D: BlockDevice + ?Sized>(
    disk: &mut D,
    lba: u64,
    sectors: usize,
) -> Result<Vec<u8>, String> {
    let mut buf = sector_buffer(sectors);
    disk.read(lba, &mut buf)
        .map_err(|e| format!("reading {sectors} sector(s) at {lba}: {e}"))?;
    Ok(buf)
}

fn write_sectors<D: BlockDevice + ?Sized>(disk: &mut D, lba: u64, buf: &[u8]) -> TestResult {
    disk.write(lba, buf).map_err(|e| {
        format!(
            "writing {} sector(s) at {lba}: {e}",
            buf.len() / SECTOR_SIZE
        )
    })
}

fn flush<D: BlockDevice + ?Sized>(disk: &mut D) -> TestResult {
    disk.flush().map_err(|e| format!("flush: {e}"))
}

/// `Err` naming the first differing sector and byte when `got` is not `want` (both start at sector `lba`).
fn compare_sectors(what: &str, lba: u64, got: &[u8], want: &[u8]) -> TestResult {
    match got.iter().zip(want).position(|(a, b)| a != b) {
        None if got.len() == want.len() => Ok(()),
        None => Err(format!(
            "{what}: {} bytes, expected {}",
            got.len(),
            want.len()
        )),
        Some(at) => Err(format!(
            "{what}: sector {} byte {} is {:#04x}, expected {:#04x}",
            lba + (at / SECTOR_SIZE) as u64,
            at % SECTOR_SIZE,
            got[at],
            want[at]
        )),
    }
}

fn run_disk_tests() -> ! {
    let Some(ConfigDisk { partition, source }) = storage::CONFIG_DISK.lock().take() else {
        println!("ktest: disk: no config partition was found at boot (see the disk log above)");
        power::qemu_exit(EXIT_FAILURE)
    };
    println!(
        "ktest: disk: config partition on {source}: {} sectors at LBA {} of {}",
        partition.sector_count(),
        partition.first_lba(),
        partition.device().sector_count()
    );
    let mut disk = DiskUnderTest {
        first_lba: partition.first_lba(),
        sectors: partition.sector_count(),
        partition: Some(partition),
        outside: Vec::new(),
    };
    let tests: &[DiskTest] = &[
        (
            "disk_is_the_4_mib_config_partition",
            disk_is_the_4_mib_config_partition,
        ),
        ("disk_mbr_names_the_partition", disk_mbr_names_the_partition),
        (
            "disk_reads_first_and_last_sector",
            disk_reads_first_and_last_sector,
        ),
        (
            "disk_single_sector_writes_read_back",
            disk_single_sector_writes_read_back,
        ),
        (
            "disk_multi_sector_writes_read_back",
            disk_multi_sector_writes_read_back,
        ),
        (
            "disk_access_past_the_end_is_refused",
            disk_access_past_the_end_is_refused,
        ),
        (
            "disk_writes_stay_inside_the_partition",
            disk_writes_stay_inside_the_partition,
        ),
    ];
    report(tests.iter().map(|(name, test)| (*name, test(&mut disk))))
}

fn disk_is_the_4_mib_config_partition(disk: &mut DiskUnderTest) -> TestResult {
    check!(
        disk.sectors == 8192,
        "config partition has {} sectors, expected 8192 (4 MiB)",
        disk.sectors
    );
    let device_sectors = disk.partition()?.device().sector_count();
    check!(
        disk.first_lba >= 1 && disk.first_lba + disk.sectors <= device_sectors,
        "partition {}..{} not inside the device's sectors 1..{device_sectors}",
        disk.first_lba,
        disk.first_lba + disk.sectors
    );
    Ok(())
}

/// Reads the MBR through the whole device and records the sectors next to the partition for the last test.
fn disk_mbr_names_the_partition(disk: &mut DiskUnderTest) -> TestResult {
    let (first, end) = (disk.first_lba, disk.first_lba + disk.sectors);
    disk.outside = disk.whole_device(|device| {
        let mbr = read_sectors(device, 0, 1)?;
        check!(mbr[510..] == [0x55, 0xAA], "no MBR signature in sector 0");
        let sector0: &[u8; SECTOR_SIZE] = mbr[..].try_into().map_err(|_| "short sector")?;
        let entry = PartitionTable::parse(sector0, device.sector_count())
            .and_then(|table| table.find(CONFIG_PARTITION_TYPE))
            .map_err(|e| format!("MBR: {e}"))?;
        check!(
            u64::from(entry.first_lba) == first && entry.end_lba() == end,
            "MBR entry {}..{} differs from the partition {first}..{end}",
            entry.first_lba,
            entry.end_lba()
        );
        let mut outside = alloc::vec![(0, mbr), (first - 1, read_sectors(device, first - 1, 1)?)];
        if end < device.sector_count() {
            outside.push((end, read_sectors(device, end, 1)?));
        }
        Ok(outside)
    })?;
    Ok(())
}

fn disk_reads_first_and_last_sector(disk: &mut DiskUnderTest) -> TestResult {
    let (first, last) = (disk.first_lba, disk.sectors - 1);
    let partition = disk.partition()?;
    let head = read_sectors(partition, 0, 1)?;
    let tail = read_sectors(partition, last, 1)?;
    let run = read_sectors(partition, last - 15, 16)?;
    compare_sectors(
        "16-sector read ending at the last sector",
        last,
        &run[15 * SECTOR_SIZE..],
        &tail,
    )?;
    let (raw_head, raw_tail) = disk.whole_device(|device| {
        Ok((
            read_sectors(device, first, 1)?,
            read_sectors(device, first + last, 1)?,
        ))
    })?;
    compare_sectors("partition sector 0 vs the device's", 0, &head, &raw_head)?;
    compare_sectors(
        "last partition sector vs the device's",
        last,
        &tail,
        &raw_tail,
    )
}

fn disk_single_sector_writes_read_back(disk: &mut DiskUnderTest) -> TestResult {
    let sectors = disk.sectors;
    let partition = disk.partition()?;
    let targets = [0, 1, sectors / 2, sectors - 1];
    for lba in targets {
        write_sectors(partition, lba, &sector_pattern(lba, 1, 0x11))?;
    }
    flush(partition)?;
    for lba in targets {
        let got = read_sectors(partition, lba, 1)?;
        compare_sectors(
            "single-sector write",
            lba,
            &got,
            &sector_pattern(lba, 1, 0x11),
        )?;
    }
    Ok(())
}

/// Runs of 16 sectors (one at the partition's end) and one of 300 (more than one 28-bit ATA command).
fn disk_multi_sector_writes_read_back(disk: &mut DiskUnderTest) -> TestResult {
    let sectors = disk.sectors;
    let partition = disk.partition()?;
    let runs = [(8u64, 16usize), (sectors - 16, 16), (1000, 300)];
    let mut neighbours = Vec::new();
    for (lba, count) in runs {
        for neighbour in [lba - 1, lba + count as u64] {
            if neighbour < sectors {
                neighbours.push((neighbour, read_sectors(partition, neighbour, 1)?));
            }
        }
    }
    for (lba, count) in runs {
        write_sectors(partition, lba, &sector_pattern(lba, count, 0x22))?;
    }
    flush(partition)?;
    for (lba, count) in runs {
        let got = read_sectors(partition, lba, count)?;
        compare_sectors(
            "multi-sector write",
            lba,
            &got,
            &sector_pattern(lba, count, 0x22),
        )?;
    }
    // The first run again sector by sector: single reads see what one multi-sector write put there.
    let (lba, count) = runs[0];
    let want = sector_pattern(lba, count, 0x22);
    for (i, want) in want.chunks(SECTOR_SIZE).enumerate() {
        let at = lba + i as u64;
        compare_sectors(
            "sector of a multi-sector write",
            at,
            &read_sectors(partition, at, 1)?,
            want,
        )?;
    }
    for (lba, before) in neighbours {
        compare_sectors(
            "sector next to a write",
            lba,
            &read_sectors(partition, lba, 1)?,
            &before,
        )?;
    }
    Ok(())
}

fn disk_access_past_the_end_is_refused(disk: &mut DiskUnderTest) -> TestResult {
    let sectors = disk.sectors;
    let partition = disk.partition()?;
    let last_before = read_sectors(partition, sectors - 1, 1)?;
    let mut one = sector_buffer(1);
    let refusals = [
        (
            "read of the sector after the end",
            partition.read(sectors, &mut one),
        ),
        ("read at LBA u64::MAX", partition.read(u64::MAX, &mut one)),
        (
            "write of the sector after the end",
            partition.write(sectors, &sector_pattern(sectors, 1, 0x33)),
        ),
        (
            "2-sector write over the end",
            partition.write(sectors - 1, &sector_pattern(sectors - 1, 2, 0x33)),
        ),
        (
            "16-sector write over the end",
            partition.write(sectors - 8, &sector_pattern(sectors - 8, 16, 0x33)),
        ),
    ];
    for (what, result) in refusals {
        check!(
            matches!(result, Err(BlockError::OutOfRange { capacity, .. }) if capacity == sectors),
            "{what}: {result:?}, expected OutOfRange with capacity {sectors}"
        );
    }
    check!(
        matches!(
            partition.read(0, &mut [0; 100]),
            Err(BlockError::BadBufferLength(100))
        ),
        "100-byte read not refused"
    );
    check!(
        matches!(partition.write(0, &[]), Err(BlockError::BadBufferLength(0))),
        "empty write not refused"
    );
    flush(partition)?;
    let last_after = read_sectors(partition, sectors - 1, 1)?;
    compare_sectors(
        "last sector after refused writes",
        sectors - 1,
        &last_after,
        &last_before,
    )?;
    let eighth_last = read_sectors(partition, sectors - 8, 1)?;
    compare_sectors(
        "sector written by a refused write",
        sectors - 8,
        &eighth_last,
        &sector_pattern(sectors - 8, 1, 0x22),
    )
}

/// Through the whole device: the partition's sectors hold what was written through it (at its offset),
/// and the MBR and the sectors just outside the partition are as they were before any write.
fn disk_writes_stay_inside_the_partition(disk: &mut DiskUnderTest) -> TestResult {
    check!(
        !disk.outside.is_empty(),
        "outside sectors not recorded (an earlier test failed)"
    );
    let (first, sectors) = (disk.first_lba, disk.sectors);
    let outside = core::mem::take(&mut disk.outside);
    disk.whole_device(|device| {
        for (lba, before) in &outside {
            compare_sectors(
                "sector outside the partition",
                *lba,
                &read_sectors(device, *lba, 1)?,
                before,
            )?;
        }
        let run = read_sectors(device, first + 8, 16)?;
        compare_sectors(
            "16-sector run seen through the device",
            8,
            &run,
            &sector_pattern(8, 16, 0x22),
        )?;
        let last = read_sectors(device, first + sectors - 1, 1)?;
        compare_sectors(
            "last sector seen through the device",
            sectors - 1,
            &last,
            &sector_pattern(sectors - 16, 16, 0x22)[15 * SECTOR_SIZE..],
        )
    })
}
