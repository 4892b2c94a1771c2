//! A running appliance VM whose serial console a program drives (tests).
//!
//! Guarantees: QEMU is killed and reaped when the `Vm` is dropped (also when a test panics); every wait
//! has a hard timeout; a failed wait reports the console output seen so far, so a failing test shows what
//! the appliance printed.

use std::fmt;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::command::{Firmware, QemuConfig, SerialMode};
use crate::monitor::Monitor;
use crate::ovmf_vars::OvmfVars;

#[derive(Debug)]
pub enum VmError {
    Spawn(std::io::Error),
    /// The text did not appear in time; carries the console output seen so far.
    Timeout {
        waiting_for: String,
        output: String,
    },
    /// QEMU exited while we were waiting for text.
    Exited {
        waiting_for: String,
        status: Option<ExitStatus>,
        output: String,
    },
}

impl fmt::Display for VmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VmError::Spawn(e) => write!(f, "cannot start QEMU: {e}"),
            VmError::Timeout {
                waiting_for,
                output,
            } => {
                write!(
                    f,
                    "timed out waiting for {waiting_for:?}; console output:\n{output}"
                )
            }
            VmError::Exited {
                waiting_for,
                status,
                output,
            } => {
                write!(
                    f,
                    "QEMU exited ({status:?}) while waiting for {waiting_for:?}; console output:\n{output}"
                )
            }
        }
    }
}

impl std::error::Error for VmError {}

/// Console output shared between the reader thread and the test.
#[derive(Default)]
struct Console {
    bytes: Vec<u8>,
    closed: bool,
}

pub struct Vm {
    child: Child,
    stdin: Option<ChildStdin>,
    console: Arc<(Mutex<Console>, Condvar)>,
    reader: Option<JoinHandle<()>>,
    /// Where the next `wait_for` starts searching.
    cursor: usize,
    started: Instant,
    _ovmf_vars: Option<OvmfVars>,
    monitor: Monitor,
}

impl Vm {
    /// Starts QEMU with the console on pipes.
    pub fn start(config: &QemuConfig) -> Result<Self, VmError> {
        let mut config = config.clone();
        config.serial = SerialMode::Pipes;
        let monitor = Monitor::new();
        config.monitor_socket = Some(monitor.path().to_path_buf());
        let vars = match config.firmware {
            Firmware::Uefi => Some(OvmfVars::create().map_err(VmError::Spawn)?),
            Firmware::Bios => None,
        };
        let mut command = config.command(vars.as_ref().map(|v| v.path()));
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().map_err(VmError::Spawn)?;
        let console = Arc::new((Mutex::new(Console::default()), Condvar::new()));
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let shared = Arc::clone(&console);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let (lock, ready) = &*shared;
                        lock.lock().unwrap().bytes.extend_from_slice(&buf[..n]);
                        ready.notify_all();
                    }
                }
            }
            // QEMU's own complaints (bad options, missing firmware) go to the same transcript.
            let mut errors = Vec::new();
            let _ = stderr.read_to_end(&mut errors);
            let (lock, ready) = &*shared;
            let mut console = lock.lock().unwrap();
            if !errors.is_empty() {
                console.bytes.extend_from_slice(b"\n[qemu stderr] ");
                console.bytes.extend_from_slice(&errors);
            }
            console.closed = true;
            ready.notify_all();
        });
        let stdin = child.stdin.take();
        Ok(Self {
            child,
            stdin,
            console,
            reader: Some(reader),
            cursor: 0,
            started,
            _ovmf_vars: vars,
            monitor,
        })
    }

    /// QEMU's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Time since QEMU was started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Everything the console printed so far (lossy UTF-8).
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.console.0.lock().unwrap().bytes).into_owned()
    }

    /// Waits until `needle` appears after the previous match and returns the output between the previous
    /// match and the end of this one.
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) -> Result<String, VmError> {
        let deadline = Instant::now() + timeout;
        let (lock, ready) = &*self.console;
        let mut console = lock.lock().unwrap();
        loop {
            if let Some(pos) = find(&console.bytes[self.cursor..], needle.as_bytes()) {
                let end = self.cursor + pos + needle.len();
                let seen = String::from_utf8_lossy(&console.bytes[self.cursor..end]).into_owned();
                self.cursor = end;
                return Ok(seen);
            }
            let output = String::from_utf8_lossy(&console.bytes).into_owned();
            if console.closed {
                drop(console);
                let status = self.child.try_wait().ok().flatten();
                return Err(VmError::Exited {
                    waiting_for: needle.into(),
                    status,
                    output,
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(VmError::Timeout {
                    waiting_for: needle.into(),
                    output,
                });
            }
            console = ready.wait_timeout(console, deadline - now).unwrap().0;
        }
    }

    /// Waits until `done`, given the output after the previous match (lossy UTF-8), returns how much of it
    /// makes up the match (a byte length, at most the text's), and returns that much; `what` names the
    /// wait in errors. For replies that no fixed needle ends, such as "up to whichever prompt comes".
    pub fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&str) -> Option<usize>,
    ) -> Result<String, VmError> {
        let deadline = Instant::now() + timeout;
        let (lock, ready) = &*self.console;
        let mut console = lock.lock().unwrap();
        loop {
            let text = String::from_utf8_lossy(&console.bytes[self.cursor..]).into_owned();
            // Only a valid UTF-8 prefix maps back to bytes one to one.
            if let Some(len) = done(&text).filter(|&len| {
                text.get(..len)
                    .is_some_and(|seen| console.bytes[self.cursor..].starts_with(seen.as_bytes()))
            }) {
                self.cursor += len;
                return Ok(text[..len].to_string());
            }
            let output = String::from_utf8_lossy(&console.bytes).into_owned();
            if console.closed {
                drop(console);
                let status = self.child.try_wait().ok().flatten();
                return Err(VmError::Exited {
                    waiting_for: what.into(),
                    status,
                    output,
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(VmError::Timeout {
                    waiting_for: what.into(),
                    output,
                });
            }
            console = ready.wait_timeout(console, deadline - now).unwrap().0;
        }
    }

    /// Runs a QEMU monitor command (`set_link ether2 off`) and returns QEMU's answer.
    pub fn monitor(&self, command: &str) -> std::io::Result<String> {
        self.monitor.command(command)
    }

    /// Types `text` on the console.
    pub fn send(&mut self, text: &str) -> std::io::Result<()> {
        self.send_bytes(text.as_bytes())
    }

    /// Sends raw bytes to the console (control characters and non-UTF-8 included).
    pub fn send_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or(std::io::ErrorKind::BrokenPipe)?;
        stdin.write_all(bytes)?;
        stdin.flush()
    }

    /// Waits for QEMU to exit on its own; kills it after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, VmError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                return Ok(status);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                return Err(VmError::Timeout {
                    waiting_for: "QEMU to exit".into(),
                    output: self.output(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn find_locates_needles() {
        assert_eq!(find(b"abc> def> ", b"> "), Some(3));
        assert_eq!(find(b"abc", b"abcd"), None);
        assert_eq!(find(b"", b""), Some(0));
    }
}
