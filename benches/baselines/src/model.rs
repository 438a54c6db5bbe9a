//! Sequential models that tests and fuzz targets replay the calls a structure accepted on, and
//! compare with what the structure holds; written apart from the structures they check.

use lfe::table::process::{ProcState, Process};

/// What a process record's state machine keeps, modelled apart from the table (tests and the
/// fuzz target replay the calls the table accepted on it and compare with the table's records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcModel {
    pub state: ProcState,
    pub pid: u32,
    pub exit_code: i32,
    pub restarts: u32,
}

impl ProcModel {
    /// A record just inserted: pending, no pid, no exit code, no restarts.
    pub const NEW: ProcModel = ProcModel {
        state: ProcState::Pending,
        pid: 0,
        exit_code: 0,
        restarts: 0,
    };

    /// The model's part of a record the table returned.
    pub fn of(p: &Process) -> Self {
        ProcModel {
            state: p.state,
            pid: p.pid,
            exit_code: p.exit_code,
            restarts: p.restarts,
        }
    }

    /// A transition the table accepted: starting again from a terminal state is a restart,
    /// starting clears the pid and exit code, and a terminal state keeps `code`.
    pub fn transition(&mut self, to: ProcState, code: i32) {
        if to == ProcState::Starting {
            if self.state.is_terminal() {
                self.restarts += 1;
            }
            self.pid = 0;
            self.exit_code = 0;
        } else if to.is_terminal() {
            self.exit_code = code;
        }
        self.state = to;
    }
}
