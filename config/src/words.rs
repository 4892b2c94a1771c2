//! Splits a console line into words, remembering where each word starts so errors can point at it.
//!
//! Rules (the subset of the RouterOS console syntax this milestone needs):
//! * words are separated by spaces and tabs;
//! * double quotes group text, spaces included, into one word (`name="a b"` is the word `name=a b`); inside quotes
//!   a backslash makes the next character literal (`\"`, `\\`);
//! * a `#` at the start of a word begins a comment that runs to the end of the line;
//! * columns are 1-based and count characters, as RouterOS reports them in `(line 1 column N)`.
//!
//! Guarantees: total on every input; the only error is a quote left open, reported at its column.

use alloc::string::String;
use alloc::vec::Vec;

/// One word of a console line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes and escapes resolved.
    pub text: String,
    /// 1-based character column where the word starts.
    pub column: usize,
    /// Whether any part of the word was quoted (quoted text is never taken apart as a menu path).
    pub quoted: bool,
}

/// A double quote that was never closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnterminatedQuote {
    /// 1-based character column of the opening quote.
    pub column: usize,
}

/// Splits `line` into words, dropping a trailing comment.
pub fn split_words(line: &str) -> Result<Vec<Word>, UnterminatedQuote> {
    let mut words = Vec::new();
    let mut characters = line.chars().zip(1usize..).peekable();
    loop {
        while characters.next_if(|&(c, _)| is_separator(c)).is_some() {}
        let Some(&(first, column)) = characters.peek() else {
            break;
        };
        if first == '#' {
            break;
        }
        let mut word = Word {
            text: String::new(),
            column,
            quoted: false,
        };
        while let Some((c, at)) = characters.next_if(|&(c, _)| !is_separator(c)) {
            if c != '"' {
                word.text.push(c);
                continue;
            }
            word.quoted = true;
            loop {
                match characters.next() {
                    None => return Err(UnterminatedQuote { column: at }),
                    Some(('"', _)) => break,
                    Some(('\\', _)) => match characters.next() {
                        Some((escaped, _)) => word.text.push(escaped),
                        None => return Err(UnterminatedQuote { column: at }),
                    },
                    Some((inner, _)) => word.text.push(inner),
                }
            }
        }
        words.push(word);
    }
    Ok(words)
}

/// Characters that separate words outside quotes.
fn is_separator(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts_and_columns(line: &str) -> Vec<(String, usize)> {
        split_words(line)
            .unwrap()
            .into_iter()
            .map(|w| (w.text, w.column))
            .collect()
    }

    fn owned(pairs: &[(&str, usize)]) -> Vec<(String, usize)> {
        pairs.iter().map(|&(t, c)| (String::from(t), c)).collect()
    }

    #[test]
    fn splits_on_whitespace_with_columns() {
        assert_eq!(
            texts_and_columns("  /system  resource\tprint "),
            owned(&[("/system", 3), ("resource", 12), ("print", 21)])
        );
        assert_eq!(texts_and_columns(""), owned(&[]));
        assert_eq!(texts_and_columns("   "), owned(&[]));
    }

    #[test]
    fn quotes_group_words_and_escape() {
        let words = split_words(r#"set name="a b" x"q\"t"y"#).unwrap();
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["set", "name=a b", "xq\"ty"]);
        assert_eq!(
            words.iter().map(|w| w.quoted).collect::<Vec<_>>(),
            [false, true, true]
        );
        assert_eq!(
            words.iter().map(|w| w.column).collect::<Vec<_>>(),
            [1, 5, 16]
        );
        assert_eq!(split_words(r#""""#).unwrap()[0].text, "");
    }

    #[test]
    fn comments_end_the_line_but_not_inside_words_or_quotes() {
        assert_eq!(
            texts_and_columns("print # all of it"),
            owned(&[("print", 1)])
        );
        assert_eq!(texts_and_columns("# nothing"), owned(&[]));
        assert_eq!(
            texts_and_columns(r##"a#b "#c""##),
            owned(&[("a#b", 1), ("#c", 5)])
        );
    }

    #[test]
    fn an_open_quote_is_reported_at_its_column() {
        assert_eq!(
            split_words(r#"print "abc"#),
            Err(UnterminatedQuote { column: 7 })
        );
        assert_eq!(
            split_words(r#"a "b\"#),
            Err(UnterminatedQuote { column: 3 })
        );
    }
}
