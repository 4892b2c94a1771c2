//! The global descriptor table and task-state segment.
//!
//! Long mode needs only a code segment, but the TSS is what gives the double-fault handler a stack of its own
//! (interrupt stack table entry `DOUBLE_FAULT_IST`): a double fault caused by a kernel stack overflow would
//! otherwise fault again while pushing its frame and triple-fault the machine (Intel SDM Vol. 3, §6.14.5).

use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// IST slot used by the double-fault handler.
pub const DOUBLE_FAULT_IST: u16 = 0;
const DOUBLE_FAULT_STACK_SIZE: usize = 16 * 1024;

/// The double-fault stack lives in writable .bss (hence `static mut`); Rust code never references it, only
/// the CPU writes to it, through the IST (it aligns RSP to 16 bytes itself, Intel SDM Vol. 3 §6.14.2).
static mut DOUBLE_FAULT_STACK: [u8; DOUBLE_FAULT_STACK_SIZE] = [0; DOUBLE_FAULT_STACK_SIZE];

static TSS: Once<TaskStateSegment> = Once::new();
static GDT: Once<(GlobalDescriptorTable, Selectors)> = Once::new();

struct Selectors {
    code: SegmentSelector,
    data: SegmentSelector,
    tss: SegmentSelector,
}

/// Loads the GDT and TSS. Call once, before the IDT is used.
pub fn init() {
    let tss = TSS.call_once(|| {
        let mut tss = TaskStateSegment::new();
        let bottom = VirtAddr::from_ptr(&raw const DOUBLE_FAULT_STACK);
        // Stacks grow down: the IST entry holds the top.
        tss.interrupt_stack_table[DOUBLE_FAULT_IST as usize] =
            bottom + DOUBLE_FAULT_STACK_SIZE as u64;
        tss
    });
    let (gdt, selectors) = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        let code = gdt.append(Descriptor::kernel_code_segment());
        let data = gdt.append(Descriptor::kernel_data_segment());
        let tss = gdt.append(Descriptor::tss_segment(tss));
        (gdt, Selectors { code, data, tss })
    });
    gdt.load();
    // SAFETY: the selectors index descriptors of the GDT just loaded, which lives in a static for ever.
    unsafe {
        CS::set_reg(selectors.code);
        DS::set_reg(selectors.data);
        ES::set_reg(selectors.data);
        SS::set_reg(selectors.data);
        load_tss(selectors.tss);
    }
}
