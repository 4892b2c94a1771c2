//! QEMU's human monitor (HMP) on a private Unix socket, for tests that change the virtual hardware while
//! the appliance runs (`set_link ether2 off` pulls a cable). The socket file lives in the temporary
//! directory, is named after the process, and is removed when dropped.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// What the monitor prints when it is ready for the next command.
const PROMPT: &[u8] = b"(qemu) ";
/// Longest wait for a connection or an answer.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Monitor {
    path: PathBuf,
}

impl Monitor {
    /// A fresh socket path; QEMU creates the socket (`-monitor unix:PATH,server=on,wait=off`).
    pub fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "appliance-monitor-{}-{}.sock",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        Self {
            path: std::env::temp_dir().join(name),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs one monitor command and returns what QEMU answered (without the echo and the prompt).
    /// Retries the connection while QEMU is still starting.
    pub fn command(&self, command: &str) -> std::io::Result<String> {
        let deadline = Instant::now() + TIMEOUT;
        let mut stream = loop {
            match UnixStream::connect(&self.path) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        stream.set_read_timeout(Some(TIMEOUT))?;
        read_to_prompt(&mut stream)?;
        stream.write_all(command.as_bytes())?;
        stream.write_all(b"\n")?;
        let answer = read_to_prompt(&mut stream)?;
        Ok(clean_answer(&answer, command))
    }
}

impl Default for Monitor {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn read_to_prompt(stream: &mut UnixStream) -> std::io::Result<Vec<u8>> {
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    while !received.ends_with(PROMPT) {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        received.extend_from_slice(&buf[..n]);
    }
    received.truncate(received.len() - PROMPT.len());
    Ok(received)
}

/// The monitor echoes the command with terminal escapes; keep the lines after the echo, without them.
fn clean_answer(raw: &[u8], command: &str) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte (ECMA-48 §5.4).
            if chars.next_if_eq(&'[').is_some() {
                for p in chars.by_ref() {
                    if ('@'..='~').contains(&p) {
                        break;
                    }
                }
            }
            continue;
        }
        if c != '\r' {
            plain.push(c);
        }
    }
    plain
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.trim().ends_with(command.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_drops_echo_and_escapes() {
        let raw = b"set_link ether2 off\x1b[K\x1b[D\r\nDevice 'nope' not found\r\n";
        assert_eq!(
            clean_answer(raw, "set_link ether2 off"),
            "Device 'nope' not found"
        );
        assert_eq!(clean_answer(b"info status\r\n", "info status"), "");
    }
}
