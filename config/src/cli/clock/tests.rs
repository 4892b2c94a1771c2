//! `/system clock` through the interpreter, on a system whose clock the test sets.

use crate::scheduler::tests::{NOV_22_2026_09_15_42, Router};

const PRINT: &str = concat!(
    "                  time: 09:15:42\r\n",
    "                  date: 2026-11-22\r\n",
    "  time-zone-autodetect: yes\r\n",
    "        time-zone-name: manual\r\n",
    "            gmt-offset: +00:00\r\n",
    "            dst-active: no\r\n",
);

#[test]
fn print_shows_the_running_clock_as_routeros_7_16() {
    let mut router = Router::new();
    assert_eq!(router.run("/system clock print"), PRINT);
    router.system.now += 3600 * 24 + 1;
    let print = router.run("/system/clock/print");
    assert!(
        print.starts_with(
            "                  time: 09:15:43\r\n                  date: 2026-11-23\r\n"
        )
    );
    assert_eq!(router.run("/system clock print as-value"), "");
    // Into a file, as other prints.
    assert_eq!(router.run("/system clock print file=now"), "");
    let file = router
        .system
        .files
        .get("now.txt")
        .cloned()
        .unwrap_or_default();
    assert!(file.contains("time: 09:15:43"), "{file:?}");
}

#[test]
fn get_gives_the_date_and_time_strings() {
    let mut router = Router::new();
    assert_eq!(
        router.run(":put [/system clock get date]"),
        "2026-11-22\r\n"
    );
    assert_eq!(router.run(":put [/system clock get time]"), "09:15:42\r\n");
    assert_eq!(
        router.run(":put [/system clock get time-zone-name]"),
        "manual\r\n"
    );
    assert_eq!(
        router.run(":put [/system clock get gmt-offset]"),
        "+00:00\r\n"
    );
    assert_eq!(
        router.run(":put [/system clock get nonsense]"),
        "no such property\r\n"
    );
    // The backup file name of real scripts.
    assert_eq!(
        router.run(":local f (\"backup-\" . [/system clock get date] . \".rsc\"); :put $f"),
        "backup-2026-11-22.rsc\r\n"
    );
}

#[test]
fn set_time_and_date_move_the_clock() {
    let mut router = Router::new();
    assert_eq!(router.run("/system clock set time=10:00:00"), "");
    assert_eq!(router.run(":put [/system clock get time]"), "10:00:00\r\n");
    assert_eq!(
        router.run(":put [/system clock get date]"),
        "2026-11-22\r\n"
    );
    assert_eq!(router.run("/system clock set date=2027-01-05"), "");
    assert_eq!(router.system.now, 1_799_143_200);
    // The form before v7.10, and both at once.
    assert_eq!(
        router.run("/system clock set date=nov/22/2026 time=09:15:42"),
        ""
    );
    assert_eq!(router.system.now, NOV_22_2026_09_15_42);
    assert_eq!(router.run("/system clock print"), PRINT);
    // Nothing about the clock is stored in the configuration.
    assert_eq!(
        router.run("/system clock export"),
        "# 2026-11-22 09:15:42 by RouterOS 7.16\r\n# software id = \r\n#\r\n"
    );
}

#[test]
fn invalid_values_leave_the_clock_alone() {
    let mut router = Router::new();
    for (line, error) in [
        (
            "/system clock set time=25:00:00",
            "invalid value for argument time",
        ),
        (
            "/system clock set time=noon",
            "invalid value for argument time",
        ),
        (
            "/system clock set date=2026-02-29",
            "invalid value for argument date",
        ),
        (
            "/system clock set date=2026/11/22",
            "invalid value for argument date",
        ),
        (
            "/system clock set date=2027-01-01 time=24:00",
            "invalid value for argument time",
        ),
        (
            "/system clock set time=10:00:00 gmt-offset=+01:00",
            "failure: gmt-offset is read-only",
        ),
    ] {
        assert_eq!(router.run(line), format!("{error}\r\n"), "{line}");
        assert_eq!(router.system.now, NOV_22_2026_09_15_42, "{line}");
    }
    assert_eq!(
        router.run("/system clock set nonsense=1"),
        "expected end of command (line 1 column 19)\r\n"
    );
}

#[test]
fn a_dry_run_does_not_move_the_clock() {
    let mut router = Router::new();
    let mut out = alloc::string::String::new();
    crate::cli::run(
        "/system clock set time=01:00:00",
        crate::cli::Mode::DryRun,
        &mut router.config,
        &mut router.session,
        &mut router.system,
        &mut out,
    );
    assert_eq!(out, "");
    assert_eq!(router.system.now, NOV_22_2026_09_15_42);
    router
        .system
        .files
        .insert("c.rsc".into(), "/system clock set time=01:00:00\n".into());
    router.run("/import c.rsc");
    assert_eq!(router.run(":put [/system clock get time]"), "01:00:00\r\n");
}

#[test]
fn the_time_zone_name_and_the_manual_offset_are_configuration() {
    let mut router = Router::new();
    assert_eq!(router.run("/system clock manual set time-zone=+02:00"), "");
    assert_eq!(
        router.run(":put [/system clock get gmt-offset]"),
        "+02:00\r\n"
    );
    assert_eq!(
        router.run("/system clock manual print"),
        "  time-zone: +02:00\r\n"
    );
    assert_eq!(
        router.run("/system clock manual set time-zone=+15:00"),
        "invalid value for argument time-zone\r\n"
    );
    assert_eq!(
        router.run("/system clock set time-zone-name=Europe/Riga time-zone-autodetect=no"),
        ""
    );
    // A zone whose rules are not known runs at UTC.
    assert_eq!(
        router.run(":put [/system clock get gmt-offset]"),
        "+00:00\r\n"
    );
    let export = router.run("/system clock export");
    assert!(
        export.ends_with(concat!(
            "/system clock\r\n",
            "set time-zone-autodetect=no time-zone-name=Europe/Riga\r\n",
            "/system clock manual\r\n",
            "set time-zone=+02:00\r\n",
        )),
        "{export}"
    );
    assert_eq!(router.run("/system clock set !time-zone-name"), "");
    assert_eq!(
        router.run(":put [/system clock get gmt-offset]"),
        "+02:00\r\n"
    );
}

#[test]
fn export_headers_carry_the_date_and_time() {
    let mut router = Router::new();
    let export = router.run("/export");
    assert!(
        export.starts_with("# 2026-11-22 09:15:42 by RouterOS 7.16\r\n"),
        "{export}"
    );
}
