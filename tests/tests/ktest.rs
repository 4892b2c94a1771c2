//! The kernel's own test suite (built with `--features ktest`) and its fatal-error paths, run in QEMU.
//! The kernel exits QEMU through `isa-debug-exit`: status 33 means pass, 35 failure.

use tests::*;

const PASS: i32 = 33;
const FAIL: i32 = 35;

fn run_suite(firmware: Firmware, suite: &str) -> (i32, String) {
    let mut vm = boot_until(&config(KernelFlavor::Test, firmware), "ktest: ready");
    vm.send(&format!("{suite}\r")).unwrap();
    let status = vm.wait_exit(BOOT_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    (status.code().unwrap_or(-1), vm.output())
}

#[test]
fn kernel_unit_tests_pass_under_bios_and_uefi() {
    for firmware in [Firmware::Bios, Firmware::Uefi] {
        let (code, output) = run_suite(firmware, "unit");
        assert_eq!(code, PASS, "{firmware:?}: kernel tests failed:\n{output}");
        assert!(
            output.contains("ktest: all") && !output.contains("FAILED"),
            "{firmware:?}:\n{output}"
        );
        assert!(
            output.contains("breakpoint at 0x"),
            "breakpoint handler did not report:\n{output}"
        );
    }
}

#[test]
fn page_fault_is_diagnosed() {
    let (code, output) = run_suite(Firmware::Bios, "page-fault");
    assert_eq!(code, PASS, "{output}");
    assert!(
        output.contains("EXCEPTION: page fault (vector 14)"),
        "{output}"
    );
    assert!(
        output
            .contains("accessed address: 0x7fffdead0000 (non-present page on read in kernel mode)"),
        "{output}"
    );
    assert!(output.contains("rip: 0x"), "{output}");
}

#[test]
fn double_fault_runs_on_its_own_stack_and_is_diagnosed() {
    let (code, output) = run_suite(Firmware::Bios, "double-fault");
    assert_eq!(code, PASS, "{output}");
    assert!(
        output.contains("EXCEPTION: double fault (vector 8)"),
        "{output}"
    );
}

#[test]
fn panic_prints_message_and_location_and_fails() {
    let (code, output) = run_suite(Firmware::Bios, "panic");
    assert_eq!(code, FAIL, "{output}");
    assert!(
        output.contains("KERNEL PANIC: deliberate panic requested by the test runner"),
        "{output}"
    );
    assert!(
        output.contains("kernel/src/ktest.rs:"),
        "no location in:\n{output}"
    );
}
