//! Dry runs (`/import FILE dry-run`, a script run in [`super::Mode::DryRun`]): the script runs to find its errors
//! and changes nothing — neither the configuration nor the running system nor the session.
//!
//! One place decides it: a dry run reaches the system only through [`DryRunSystem`], which answers
//! every question as the real system does and carries out nothing that would change it. So a dry
//! run does not move the clock (`/system clock set`), add or remove dynamic address-list entries,
//! remove connections, reset counters, count script runs, write or remove files (`export file=`,
//! `print file=`, `/file remove`), log (`:log`), apply a configuration, reboot or shut down — and
//! the commands that do those need no check of their own. Where the real system would refuse a
//! change because its item is not there (a connection, a dynamic entry, a file), the dry run
//! refuses it too, with the same words; a change the system might refuse for another reason
//! (`failure: already have such entry`) passes.
//!
//! [`Env::dry_run`] runs part of a script that way and puts the configuration and the session
//! (globals, print numbering, undo history, current menu) back as they were afterwards.

use alloc::string::String;
use alloc::vec::Vec;

use super::Env;
use crate::interface::InterfaceInfo;
use crate::log_memory::LogEntry;
use crate::model::{Config, Item, MenuDef, menus};
use crate::resource::ResourceInfo;
use crate::scheduler::Runs;
use crate::shell::SystemControl;

/// The running system as a dry run sees it: everything it reports, nothing it would change.
pub(crate) struct DryRunSystem<'a> {
    system: &'a mut dyn SystemControl,
}

impl<'a> DryRunSystem<'a> {
    pub(crate) fn new(system: &'a mut dyn SystemControl) -> Self {
        DryRunSystem { system }
    }
}

impl SystemControl for DryRunSystem<'_> {
    // What the system reports, as it reports it.
    fn resource(&self) -> ResourceInfo {
        self.system.resource()
    }
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.system.interfaces()
    }
    fn status(&self, config: &Config, menu: &MenuDef, item: &Item) -> Vec<(&'static str, String)> {
        self.system.status(config, menu, item)
    }
    fn dynamic_items(&self, config: &Config, menu: &MenuDef) -> Vec<Item> {
        self.system.dynamic_items(config, menu)
    }
    fn connections(&self, menu: &MenuDef, from: u32, max: usize) -> (Vec<Item>, Option<u32>) {
        self.system.connections(menu, from, max)
    }
    fn connection(&self, menu: &MenuDef, id: u32) -> Option<Item> {
        self.system.connection(menu, id)
    }
    fn connection_count(&self) -> usize {
        self.system.connection_count()
    }
    fn log_entries(&self) -> Vec<LogEntry> {
        self.system.log_entries()
    }
    fn uptime_ms(&self) -> u64 {
        self.system.uptime_ms()
    }
    fn clock_seconds(&self) -> u64 {
        self.system.clock_seconds()
    }
    fn clock_text(&self) -> String {
        self.system.clock_text()
    }
    fn entropy(&self) -> u64 {
        self.system.entropy()
    }
    fn files(&self) -> Vec<(String, usize)> {
        self.system.files()
    }
    fn read_file(&self, name: &str) -> Option<String> {
        self.system.read_file(name)
    }
    fn console_gone(&self) -> bool {
        self.system.console_gone()
    }

    // What would change the system: checked where the system would refuse a missing item, never done.
    fn reboot(&mut self) {}
    fn shutdown(&mut self) {}
    fn apply(&mut self, _config: &Config) -> Result<(), String> {
        Ok(())
    }
    fn initial_configuration(&self, _no_defaults: bool) -> Option<Config> {
        None
    }
    fn remove_connection(&mut self, id: u32) -> bool {
        menus::menu(super::connections::PATH)
            .is_some_and(|menu| self.system.connection(menu, id).is_some())
    }
    fn add_dynamic(&mut self, _menu: &MenuDef, _item: &Item) -> Result<Option<u32>, String> {
        Ok(None)
    }
    fn remove_dynamic(&mut self, config: &Config, menu: &MenuDef, id: u32) -> Result<(), String> {
        if self
            .system
            .dynamic_items(config, menu)
            .iter()
            .any(|item| item.id == id)
        {
            Ok(())
        } else {
            Err(String::from("no such item"))
        }
    }
    fn reset_counters(
        &mut self,
        _config: &Config,
        _menu: &MenuDef,
        _ids: Option<&[u32]>,
    ) -> Result<(), String> {
        Ok(())
    }
    fn log(&mut self, _topics: &str, _message: &str) {}
    fn set_clock(&mut self, _seconds: u64) {}
    fn runs(&mut self) -> Option<&mut Runs> {
        None
    }
    fn write_file(&mut self, _name: &str, _contents: &str) -> Result<(), String> {
        Ok(())
    }
    fn remove_file(&mut self, name: &str) -> Result<(), String> {
        if self.system.files().iter().any(|(file, _)| file == name) {
            Ok(())
        } else {
            Err(String::from("no such item"))
        }
    }
    fn safe_mode(&mut self, _taken: bool) {}
}

impl Env<'_> {
    /// Runs `f` as a dry run: on the system through [`DryRunSystem`], and with the configuration
    /// and the session as they were before once it returns. The mode stays, so the commands run
    /// and fail as they would for real (an interactive import's errors read the same either way).
    pub(crate) fn dry_run<T>(&mut self, f: impl FnOnce(&mut Env<'_>) -> T) -> T {
        let config = self.config.clone();
        let session = self.session.clone();
        let mut system = DryRunSystem::new(&mut *self.system);
        let mut inner = Env {
            locals: core::mem::take(&mut self.locals),
            depth: self.depth,
            steps: self.steps,
            live_step: self.live_step.take(),
            api: self.api,
            ..Env::new(
                &mut *self.config,
                &mut system,
                &mut *self.out,
                &mut *self.session,
                self.mode,
            )
        };
        let result = f(&mut inner);
        self.locals = core::mem::take(&mut inner.locals);
        self.steps = inner.steps;
        self.live_step = inner.live_step.take();
        drop(inner);
        *self.config = config;
        *self.session = session;
        result
    }
}

#[cfg(test)]
mod tests;
