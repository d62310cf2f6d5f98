//! When the app locks itself: after a set idle time, or after being out of sight too long.

/// Idle times offered in Settings, in minutes.
pub const IDLE_CHOICES_MIN: [u32; 5] = [1, 2, 5, 10, 15];
pub const DEFAULT_IDLE_MIN: u32 = 5;
/// Hidden (another app, screen off) for longer than this locks the app.
pub const HIDDEN_LIMIT_MS: f64 = 60_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    Idle,
    Hidden,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoLock {
    idle_min: u32,
}

impl Default for AutoLock {
    fn default() -> Self {
        AutoLock {
            idle_min: DEFAULT_IDLE_MIN,
        }
    }
}

impl AutoLock {
    /// An idle time from settings; anything not offered falls back to the
    /// default rather than to "never".
    pub fn new(idle_min: u32) -> Self {
        if IDLE_CHOICES_MIN.contains(&idle_min) {
            AutoLock { idle_min }
        } else {
            AutoLock::default()
        }
    }

    /// Parses the stored setting (minutes as text).
    pub fn parse(stored: Option<&str>) -> Self {
        stored
            .and_then(|s| s.trim().parse().ok())
            .map_or_else(AutoLock::default, AutoLock::new)
    }

    pub fn idle_min(self) -> u32 {
        self.idle_min
    }

    /// Whether to lock now. Times are milliseconds on one clock;
    /// `hidden_since_ms` is set while the app is out of sight.
    pub fn due(
        self,
        now_ms: f64,
        last_activity_ms: f64,
        hidden_since_ms: Option<f64>,
    ) -> Option<LockReason> {
        if hidden_since_ms.is_some_and(|since| now_ms - since >= HIDDEN_LIMIT_MS) {
            return Some(LockReason::Hidden);
        }
        if now_ms - last_activity_ms >= f64::from(self.idle_min) * 60_000.0 {
            return Some(LockReason::Idle);
        }
        None
    }
}
