//! When scheduler items are due (a fake clock moved by hand), and scheduled runs through the
//! interpreter on a system that keeps files, a log and the run counters.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::cli::{self, Mode, Session};
use crate::resource::ResourceInfo;

/// 2026-11-22 09:15:42 on the router's clock.
pub(crate) const NOV_22_2026_09_15_42: u64 = 1_795_338_942;

/// A system with a clock the test sets, the run counters, files and a log.
pub(crate) struct ClockSystem {
    pub now: u64,
    pub uptime: u64,
    pub runs: Runs,
    pub files: BTreeMap<String, String>,
    /// (topics, message) of every log line.
    pub log: Vec<(String, String)>,
    pub applied: u32,
    pub reboots: u32,
}

impl ClockSystem {
    pub fn new(now: u64) -> Self {
        ClockSystem {
            now,
            uptime: 0,
            runs: Runs::new(),
            files: BTreeMap::new(),
            log: Vec::new(),
            applied: 0,
            reboots: 0,
        }
    }

    pub fn at(&self) -> Now {
        Now {
            wall: self.now,
            uptime: self.uptime,
        }
    }

    /// Both clocks `seconds` on.
    pub fn advance(&mut self, seconds: u64) {
        self.now += seconds;
        self.uptime += seconds;
    }
}

impl SystemControl for ClockSystem {
    fn resource(&self) -> ResourceInfo {
        ResourceInfo {
            uptime_ms: self.uptime * 1000,
            version: String::from("7.16"),
            build_time: String::new(),
            free_memory: 0,
            total_memory: 0,
            cpu: String::new(),
            cpu_count: 1,
            cpu_frequency_mhz: 0,
            cpu_load_percent: 0,
            free_hdd_space: 0,
            total_hdd_space: 0,
            architecture_name: String::from("x86_64"),
            board_name: String::from("CHR"),
            platform: String::from("MikroTik"),
        }
    }
    fn reboot(&mut self) {
        self.reboots += 1;
    }
    fn shutdown(&mut self) {}
    fn apply(&mut self, _config: &Config) -> Result<(), String> {
        self.applied += 1;
        Ok(())
    }
    fn status(&self, _config: &Config, menu: &MenuDef, item: &Item) -> Vec<(&'static str, String)> {
        self.runs.status(menu, item, self.at())
    }
    fn log(&mut self, topics: &str, message: &str) {
        self.log.push((topics.to_string(), message.to_string()));
    }
    fn clock_seconds(&self) -> u64 {
        self.now
    }
    fn set_clock(&mut self, seconds: u64) {
        self.now = seconds;
    }
    fn runs(&mut self) -> Option<&mut Runs> {
        Some(&mut self.runs)
    }
    fn files(&self) -> Vec<(String, usize)> {
        self.files
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect()
    }
    fn read_file(&self, name: &str) -> Option<String> {
        self.files.get(name).cloned()
    }
    fn write_file(&mut self, name: &str, contents: &str) -> Result<(), String> {
        self.files.insert(name.to_string(), contents.to_string());
        Ok(())
    }
}

/// A console on a [`ClockSystem`].
pub(crate) struct Router {
    pub config: Config,
    pub session: Session,
    pub system: ClockSystem,
}

impl Router {
    pub fn new() -> Self {
        Router {
            config: Config::new(),
            session: Session::new(),
            system: ClockSystem::new(NOV_22_2026_09_15_42),
        }
    }

    /// Runs a console line; returns what it printed.
    pub fn run(&mut self, line: &str) -> String {
        let mut out = String::new();
        cli::run(
            line,
            Mode::Interactive,
            &mut self.config,
            &mut self.session,
            &mut self.system,
            &mut out,
        );
        out
    }

    /// The scheduler's turn at the system's clocks (with its own session).
    pub fn tick(&mut self, session: &mut Session) {
        let now = self.system.at();
        run_due(&mut self.config, session, &mut self.system, now);
    }

    /// `/system identity`'s name.
    pub fn identity(&self) -> String {
        let menu = menus::menu("system/identity").unwrap();
        String::from(self.config.singleton_value(menu, "name").unwrap())
    }
}

fn item(values: &[(&str, &str)]) -> Item {
    Item {
        id: 1,
        values: values
            .iter()
            .map(|(k, v)| (String::from(*k), String::from(*v)))
            .collect(),
    }
}

fn at(date: &str, time: &str) -> u64 {
    clock::parse_date(date).unwrap().seconds() + u64::from(clock::parse_time(time).unwrap())
}

/// A configuration with the scheduler items added by these console lines.
fn config_with(lines: &[&str]) -> Config {
    let mut router = Router::new();
    for line in lines {
        assert_eq!(router.run(line), "", "{line}");
    }
    router.config
}

#[test]
fn schedules_read_from_items() {
    assert_eq!(
        Schedule::of(&item(&[
            ("start-date", "2026-11-22"),
            ("start-time", "03:00:00"),
            ("interval", "1d")
        ])),
        Some(Schedule {
            start: Start::At(at("2026-11-22", "03:00:00")),
            interval: 86_400
        })
    );
    assert_eq!(
        Schedule::of(&item(&[("start-time", "startup")])),
        Some(Schedule {
            start: Start::Startup,
            interval: 0
        })
    );
    // The form of exports before v7.10 is read too.
    assert_eq!(
        Schedule::of(&item(&[
            ("start-date", "nov/22/2026"),
            ("start-time", "03:00:00")
        ]))
        .map(|s| s.start),
        Some(Start::At(at("2026-11-22", "03:00:00")))
    );
    for unreadable in [
        &[("start-time", "03:00:00"), ("disabled", "yes")][..],
        &[("start-time", "3 o'clock")],
        &[("start-time", "03:00:00"), ("start-date", "2026-02-30")],
        &[("start-time", "03:00:00"), ("interval", "often")],
    ] {
        assert_eq!(Schedule::of(&item(unreadable)), None, "{unreadable:?}");
    }
}

#[test]
fn run_times_follow_the_start_and_the_interval() {
    let daily = Schedule {
        start: Start::At(1000),
        interval: 100,
    };
    assert_eq!(daily.first_after(0), Some(1000));
    assert_eq!(daily.first_after(999), Some(1000));
    assert_eq!(daily.first_after(1000), Some(1100));
    assert_eq!(daily.first_after(1050), Some(1100));
    assert_eq!(daily.first_after(1_000_000_050), Some(1_000_000_100));
    let once = Schedule {
        start: Start::At(1000),
        interval: 0,
    };
    assert_eq!(once.first_after(999), Some(1000));
    assert_eq!(once.first_after(1000), None);
    // Startup: 3 s after boot; with an interval, not at startup but every interval after it.
    let startup = Schedule {
        start: Start::Startup,
        interval: 0,
    };
    assert_eq!(startup.first_after(0), Some(3));
    assert_eq!(startup.first_after(3), None);
    let repeating = Schedule {
        start: Start::Startup,
        interval: 60,
    };
    assert_eq!(repeating.first_after(0), Some(63));
    assert_eq!(repeating.first_after(63), Some(123));
    // Never an overflow.
    let huge = Schedule {
        start: Start::At(u64::MAX - 1),
        interval: u64::MAX,
    };
    assert_eq!(huge.first_after(u64::MAX), None);
}

#[test]
fn an_interval_item_runs_on_its_grid_and_not_when_added() {
    // Start at 09:00:00 today, every 10 minutes; the router's clock is 09:15:42.
    let config = config_with(&[
        "/system scheduler add name=s start-time=09:00:00 start-date=2026-11-22 interval=10m",
    ]);
    let mut runs = Runs::new();
    let mut now = Now {
        wall: NOV_22_2026_09_15_42,
        uptime: 100,
    };
    assert!(runs.due(&config, now).is_empty());
    now.wall = at("2026-11-22", "09:19:59");
    assert!(runs.due(&config, now).is_empty());
    now.wall = at("2026-11-22", "09:20:00");
    assert_eq!(runs.due(&config, now), [1]);
    assert!(runs.due(&config, now).is_empty());
    now.wall = at("2026-11-22", "09:29:59");
    assert!(runs.due(&config, now).is_empty());
    now.wall = at("2026-11-22", "09:30:01");
    assert_eq!(runs.due(&config, now), [1]);
}

#[test]
fn a_missed_run_runs_once_then_the_grid_goes_on_from_now() {
    let config = config_with(&[
        "/system scheduler add name=s start-time=09:00:00 start-date=2026-11-22 interval=10m",
    ]);
    let mut runs = Runs::new();
    let mut now = Now {
        wall: NOV_22_2026_09_15_42,
        uptime: 100,
    };
    assert!(runs.due(&config, now).is_empty());
    // The clock is set a year ahead: one run, not 52 000.
    now.wall = at("2027-11-22", "09:15:00");
    assert_eq!(runs.due(&config, now), [1]);
    assert!(runs.due(&config, now).is_empty());
    let menu = menus::menu("system/scheduler").unwrap();
    let item = config.items(menu)[0].clone();
    let status = runs.status(menu, &item, now);
    assert!(status.contains(&("next-run", String::from("2027-11-22 09:20:00"))));
    assert!(status.contains(&("run-count", String::from("1"))));
    // Set back a day: nothing runs until the clock reaches a run time again.
    now.wall = at("2027-11-21", "09:15:00");
    assert!(runs.due(&config, now).is_empty());
    now.wall = at("2027-11-21", "09:20:00");
    assert_eq!(runs.due(&config, now), [1]);
}

#[test]
fn a_once_item_runs_only_if_its_time_is_ahead() {
    let config = config_with(&[
        "/system scheduler add name=future start-time=10:00:00 start-date=2026-11-22",
        "/system scheduler add name=past start-time=09:00:00 start-date=2026-11-22",
    ]);
    let mut runs = Runs::new();
    let mut now = Now {
        wall: NOV_22_2026_09_15_42,
        uptime: 100,
    };
    assert!(runs.due(&config, now).is_empty());
    now.wall = at("2026-11-22", "10:00:00");
    assert_eq!(runs.due(&config, now), [1]);
    for _ in 0..3 {
        now.wall += 86_400;
        assert!(runs.due(&config, now).is_empty());
    }
}

#[test]
fn disabled_items_do_not_run_and_start_over_when_enabled() {
    let mut router = Router::new();
    router.run("/system scheduler add name=s interval=5s on-event=\":log info tick\" disabled=yes");
    let mut session = Session::new();
    for _ in 0..4 {
        router.system.advance(5);
        router.tick(&mut session);
    }
    assert!(router.system.log.is_empty());
    router.run("/system scheduler enable s");
    router.system.advance(1);
    router.tick(&mut session);
    assert!(router.system.log.is_empty());
    router.system.advance(5);
    router.tick(&mut session);
    assert_eq!(router.system.log, [("script,info".into(), "tick".into())]);
}

#[test]
fn startup_items_run_three_seconds_after_boot_even_when_first_seen_later() {
    let config = config_with(&[
        "/system scheduler add name=once start-time=startup",
        "/system scheduler add name=every start-time=startup interval=1m",
    ]);
    let mut runs = Runs::new();
    // The main loop first looks 5 s after boot (a slow boot).
    let mut now = Now {
        wall: NOV_22_2026_09_15_42,
        uptime: 5,
    };
    assert_eq!(runs.due(&config, now), [1]);
    assert!(runs.due(&config, now).is_empty());
    now.uptime = 62;
    now.wall += 57;
    assert!(runs.due(&config, now).is_empty());
    now.uptime = 63;
    now.wall += 1;
    assert_eq!(runs.due(&config, now), [2]);
    now.uptime = 10_000;
    assert_eq!(runs.due(&config, now), [2]);
}

#[test]
fn a_startup_item_added_after_boot_waits_for_the_next_boot() {
    let mut runs = Runs::new();
    let now = Now {
        wall: NOV_22_2026_09_15_42,
        uptime: 1,
    };
    assert!(runs.due(&Config::new(), now).is_empty());
    let config = config_with(&["/system scheduler add name=once start-time=startup"]);
    let later = Now {
        wall: now.wall + 600,
        uptime: 600,
    };
    for _ in 0..3 {
        assert!(runs.due(&config, later).is_empty());
    }
    // After a restart (the counters are gone), it runs.
    let mut runs = Runs::new();
    let boot = Now {
        wall: now.wall + 700,
        uptime: 3,
    };
    assert_eq!(runs.due(&config, boot), [1]);
}

#[test]
fn a_changed_schedule_starts_over_from_now() {
    let mut router = Router::new();
    router.run("/system scheduler add name=s interval=1h");
    let mut runs = Runs::new();
    assert!(runs.due(&router.config, router.system.at()).is_empty());
    router.system.advance(1800);
    router.run("/system scheduler set s start-time=09:00:00 interval=10m");
    // 09:45:42 now: the first run time after the change is 09:50:00.
    assert!(runs.due(&router.config, router.system.at()).is_empty());
    router.system.advance(257);
    assert!(runs.due(&router.config, router.system.at()).is_empty());
    router.system.advance(1);
    assert_eq!(runs.due(&router.config, router.system.at()), [1]);
}

#[test]
fn at_most_a_few_items_run_per_call_and_the_rest_stay_due() {
    let mut router = Router::new();
    for n in 0..10 {
        router.run(&format!(
            "/system scheduler add name=s{n} interval=1m on-event=\":log info s{n}\""
        ));
    }
    let mut session = Session::new();
    router.tick(&mut session);
    router.system.advance(60);
    router.tick(&mut session);
    assert_eq!(router.system.log.len(), MAX_RUNS_PER_CALL);
    router.tick(&mut session);
    assert_eq!(router.system.log.len(), 10);
    let names: Vec<&str> = router.system.log.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        names,
        ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]
    );
}

#[test]
fn add_fills_in_the_start_and_keeps_the_forms_routeros_stores() {
    let mut router = Router::new();
    router.run("/system scheduler add name=now interval=1d on-event=x");
    router.run("/system scheduler add name=old start-date=nov/23/2026 start-time=3:00 on-event=x");
    router.run("/system scheduler add name=boot start-time=startup on-event=x");
    let export = router.run("/system scheduler export");
    assert!(
        export.contains(
            "add interval=1d name=now on-event=x start-date=2026-11-22 start-time=09:15:42\r\n"
        ),
        "{export}"
    );
    assert!(
        export.contains("add name=old on-event=x start-date=2026-11-23 start-time=03:00:00\r\n"),
        "{export}"
    );
    assert!(
        export.contains("add name=boot on-event=x start-time=startup\r\n"),
        "{export}"
    );
    assert_eq!(
        router.run("/system scheduler add name=bad start-time=25:00:00"),
        "invalid value for argument start-time\r\n"
    );
    assert_eq!(
        router.run("/system scheduler set now start-date=2026-02-30"),
        "invalid value for argument start-date\r\n"
    );
    assert_eq!(router.run(":put [/system scheduler find]"), "*1;*2;*3\r\n");
}

#[test]
fn print_shows_the_run_count_and_the_next_run() {
    let mut router = Router::new();
    router.run("/system scheduler add name=tick interval=5s on-event=\":log info tick\"");
    let mut session = Session::new();
    router.tick(&mut session);
    router.system.advance(5);
    router.tick(&mut session);
    router.system.advance(5);
    router.tick(&mut session);
    assert_eq!(
        router.run("/system scheduler print"),
        concat!(
            "Columns: NAME, START-DATE, START-TIME, INTERVAL, ON-EVENT, RUN-COUNT\r\n",
            "# NAME  START-DATE  START-TIME  INTERVAL  ON-EVENT        RUN-COUNT\r\n",
            "0 tick  2026-11-22  09:15:42    5s        :log info tick          2\r\n",
        )
    );
    let detail = router.run("/system scheduler print detail");
    assert!(detail.contains("run-count=2"), "{detail}");
    assert!(
        detail.contains("next-run=\"2026-11-22 09:15:57\""),
        "{detail}"
    );
    assert_eq!(
        router.run(":put [/system scheduler get tick next-run]"),
        "2026-11-22 09:15:57\r\n"
    );
}

#[test]
fn on_event_runs_a_script_by_name_or_itself_as_code() {
    let mut router = Router::new();
    router.run("/system script add name=rename source=\"/system identity set name=Scheduled\"");
    router.run("/system scheduler add name=a start-time=startup on-event=rename");
    router.run("/system scheduler add name=b start-time=startup on-event=\":log warning hello\"");
    let mut session = Session::new();
    let before = router.system.applied;
    router.system.uptime = 3;
    router.tick(&mut session);
    assert_eq!(router.identity(), "Scheduled");
    assert!(router.system.applied > before);
    assert_eq!(
        router.system.log,
        [("script,warning".into(), "hello".into())]
    );
    let print = router.run("/system script print detail");
    assert!(print.contains("run-count=1"), "{print}");
    assert!(
        print.contains("last-started=\"2026-11-22 09:15:42\""),
        "{print}"
    );
}

#[test]
fn a_failing_scheduled_script_is_logged() {
    let mut router = Router::new();
    router.run("/system script add name=broken source=\":log info first\\n/nonsense\"");
    router.run("/system scheduler add name=nightly start-time=startup on-event=broken");
    let mut session = Session::new();
    router.system.uptime = 3;
    router.tick(&mut session);
    assert_eq!(
        router.system.log,
        [
            ("script,info".into(), "first".into()),
            (
                "script,error".into(),
                "executing script nightly from scheduler failed, please check it manually".into()
            ),
            (
                "script,error".into(),
                "(nightly) bad command name nonsense (line 2 column 2)".into()
            ),
        ]
    );
}

#[test]
fn a_scheduled_backup_lands_in_the_file_area() {
    let mut router = Router::new();
    router.run(concat!(
        "/system script add name=backup source={\n",
        "    :local f (\"backup-\" . [/system clock get date] . \".rsc\")\n",
        "    /export file=$f\n",
        "    :log info (\"Configuration backup created: \" . $f)\n",
        "}"
    ));
    router.run("/system scheduler add name=daily interval=1d start-time=03:00:00 on-event=backup");
    let mut session = Session::new();
    router.tick(&mut session);
    assert!(router.system.files.is_empty());
    // The clock reaches 03:00:00 the next day.
    router
        .system
        .advance(at("2026-11-23", "03:00:00") - NOV_22_2026_09_15_42);
    router.tick(&mut session);
    let file = router
        .system
        .files
        .get("backup-2026-11-23.rsc")
        .unwrap_or_else(|| panic!("{:?}", router.system.files.keys()));
    assert!(
        file.starts_with("# 2026-11-23 03:00:00 by RouterOS 7.16\n"),
        "{file}"
    );
    assert!(file.contains("/system scheduler\nadd "), "{file}");
    assert_eq!(
        router.system.log,
        [(
            "script,info".into(),
            "Configuration backup created: backup-2026-11-23.rsc".into()
        )]
    );
}

#[test]
fn a_scheduled_reboot_reboots() {
    let mut router = Router::new();
    router.run("/system scheduler add name=r start-time=startup on-event=\"/system reboot\"");
    let mut session = Session::new();
    router.system.uptime = 3;
    router.tick(&mut session);
    assert_eq!(router.system.reboots, 1);
}
