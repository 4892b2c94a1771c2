//! `is_incomplete`: when the console keeps reading lines instead of running what it has.

use crate::script::is_incomplete;

#[test]
fn open_constructs_are_incomplete() {
    for source in [
        ":put \"abc",
        ":put \"a\\\\",
        ":put \"abc\\",
        ":if ($x > 1) do={",
        ":if ($x > 1) do={\n  :put 1\n",
        ":put [find",
        ":put [find where",
        ":put (1 +",
        ":put (1",
        "print where (a=1",
        "{",
        "add a=1 \\",
        "add a=1 \\\n",
        "add a=1 \\\r\n   ",
        "add comment=\"x\\\n",
    ] {
        assert!(is_incomplete(source), "{source:?}");
    }
}

#[test]
fn complete_or_wrong_input_is_not_incomplete() {
    for source in [
        "",
        "add a=1",
        "add a=1 \\\n b=2",
        ":put \"abc\"",
        ":put abc]",
        ":put (1 2",
        "print where",
        "print where a=",
        "# comment \\",
        "add a=b\\\\",
        ":put $",
        "=x",
    ] {
        assert!(!is_incomplete(source), "{source:?}");
    }
}
