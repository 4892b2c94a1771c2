//! `/system script run` through the interpreter: changes applied, local scopes, errors, recursion,
//! counters.

use crate::scheduler::tests::Router;

#[test]
fn run_applies_the_scripts_changes_as_one_console_command() {
    let mut router = Router::new();
    router.run("/system script add name=rename source=\"/system identity set name=R1\\n/system note set note=hello\"");
    let applied = router.system.applied;
    assert_eq!(router.run("/system script run rename"), "");
    assert_eq!(router.identity(), "R1");
    assert_eq!(router.system.applied, applied + 1);
    assert_eq!(router.run(":put [/system note get note]"), "hello\r\n");
    // One run, one /undo.
    assert_eq!(router.run("/undo"), "");
    assert_eq!(router.identity(), "MikroTik");
    assert_eq!(router.run(":put [/system note get note]"), "\r\n");
}

#[test]
fn scripts_are_named_by_name_number_find_and_number_argument() {
    let mut router = Router::new();
    router.run("/system script add name=a source=\":put a\"");
    router.run("/system script add name=b source=\":put b\"");
    assert_eq!(router.run("/system script run b"), "b\r\n");
    assert_eq!(router.run("/system script run [find name=a]"), "a\r\n");
    router.run("/system script print as-value");
    assert_eq!(router.run("/system script run 1"), "b\r\n");
    assert_eq!(router.run("/system script run number=0"), "a\r\n");
    assert_eq!(router.run("/system/script/run *1"), "a\r\n");
    // From inside the menu, abbreviated.
    router.run("/system script");
    assert_eq!(router.run("ru a"), "a\r\n");
    assert_eq!(router.run("run nothing"), "no such item\r\n");
    assert_eq!(router.run("run"), "expected item id\r\n");
}

#[test]
fn a_script_has_its_own_local_scope_and_shares_globals() {
    let mut router = Router::new();
    router.run(concat!(
        "/system script add name=s source={\n",
        "    :put \"caller's local: [$x]\"\n",
        "    :local y 2\n",
        "    :global g \"set by s\"\n",
        "    /ip\n",
        "}"
    ));
    assert_eq!(
        router.run(":local x 1; /system script run s; :put \"y=[$y] x=[$x]\"; :put $g"),
        "caller's local: []\r\ny=[] x=[1]\r\nset by s\r\n"
    );
    // The script's `/ip` did not move the console.
    assert_eq!(router.session.path, "");
}

#[test]
fn a_source_block_is_stored_as_its_text_and_runs() {
    let mut router = Router::new();
    router.run("/system script add name=s source={:log info \"from a block\"; :put done}");
    assert_eq!(
        router.run(":put [/system script get s source]"),
        ":log info \"from a block\"\n:put done\r\n"
    );
    assert_eq!(router.run("/system script run s"), "done\r\n");
    assert_eq!(
        router.system.log,
        [("script,info".into(), "from a block".into())]
    );
}

#[test]
fn an_error_stops_the_script_and_keeps_what_ran_before_it() {
    let mut router = Router::new();
    router.run("/system script add name=s source=\"/system identity set name=A\\n/nonsense\\n/system identity set name=B\"");
    assert_eq!(
        router.run("/system script run s"),
        "bad command name nonsense (line 2 column 2)\r\n"
    );
    assert_eq!(router.identity(), "A");
    // An error without a place of its own is placed at its command.
    router.run("/system script add name=t source=\":put 1\\n  :error \\\"stop here\\\"\\n:put 2\"");
    assert_eq!(
        router.run("/system script run t"),
        "1\r\nstop here (line 2 column 3)\r\n"
    );
    // A syntax error runs nothing.
    router.run("/system script add name=u source=\"/system identity set name=C\\n:put \\\"open\"");
    assert_eq!(
        router.run("/system script run u"),
        "syntax error (line 2 column 6)\r\n"
    );
    assert_eq!(router.identity(), "A");
    // On the console the rest of the line does not run either, and :do on-error catches it.
    assert_eq!(
        router.run("/system script run t; :put after"),
        "1\r\nstop here (line 2 column 3)\r\n"
    );
    assert_eq!(
        router.run(":do { /system script run t } on-error={ :put caught }"),
        "1\r\ncaught\r\n"
    );
}

#[test]
fn recursion_is_bounded() {
    let mut router = Router::new();
    router.run(
        "/system script add name=again source=\":global n (\\$n + 1); /system script run again\"",
    );
    assert_eq!(
        router.run(":global n 0; /system script run again"),
        "script nesting too deep (line 1 column 21)\r\n"
    );
    assert_eq!(router.run(":put $n"), "16\r\n");
    // A script that runs itself twice per level still ends (every command counts towards the
    // step bound).
    router.run("/system script add name=twice source=\"/system script run twice; /system script run twice\"");
    let out = router.run("/system script run twice");
    assert!(out.starts_with("script nesting too deep"), "{out}");
}

#[test]
fn runs_are_counted() {
    let mut router = Router::new();
    router.run("/system script add name=s source=\":put hi\"");
    let print = router.run("/system script print detail");
    assert!(print.contains("run-count=0"), "{print}");
    assert!(!print.contains("last-started"), "{print}");
    // A plain print shows them too, as RouterOS v7 does.
    assert_eq!(
        router.run("/system script print"),
        " 0 name=s source=\":put hi\" run-count=0\r\n"
    );
    router.run("/system script run s");
    router.system.now += 60;
    router.run("/system script run s");
    let print = router.run("/system script print detail");
    assert!(print.contains("run-count=2"), "{print}");
    assert!(
        print.contains("last-started=\"2026-11-22 09:16:42\""),
        "{print}"
    );
    let print = router.run("/system script print");
    assert!(
        print.contains(" run-count=2 last-started=\"2026-11-22 09:16:42\"\r\n"),
        "{print}"
    );
    assert_eq!(
        router.run("/system script set s run-count=0"),
        "failure: run-count is read-only\r\n"
    );
    // Counters are not configuration.
    let export = router.run("/system script export");
    assert!(!export.contains("run-count"), "{export}");
}
