//! What the status strip on the home screen says about records on the phone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Counts the status strip shows. Filled by the storage and sync layers; the
/// strip itself only renders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusSummary {
    /// Every record kept on this phone, drafts included.
    pub on_phone: u32,
    /// Final records the server has not yet confirmed.
    pub waiting_to_send: u32,
    /// When the server last confirmed a batch.
    pub last_sent: Option<DateTime<Utc>>,
}

/// How long ago the last confirmed send was, coarse enough to read at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastSent {
    Never,
    /// Under a minute ago (or a clock that jumped backwards).
    JustNow,
    Minutes(i64),
    Hours(i64),
    Days(i64),
}

impl StatusSummary {
    /// The age of the last send as of `now`. A timestamp in the future (the
    /// phone's clock was corrected) reads as "just now" rather than a
    /// negative age.
    pub fn last_sent_age(&self, now: DateTime<Utc>) -> LastSent {
        let Some(at) = self.last_sent else {
            return LastSent::Never;
        };
        let minutes = (now - at).num_minutes();
        match minutes {
            m if m < 1 => LastSent::JustNow,
            m if m < 60 => LastSent::Minutes(m),
            m if m < 60 * 24 => LastSent::Hours(m / 60),
            m => LastSent::Days(m / (60 * 24)),
        }
    }

    /// True when records are waiting for a server: the strip highlights it.
    pub fn has_unsent(&self) -> bool {
        self.waiting_to_send > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
    }

    fn sent(ago: Duration) -> StatusSummary {
        StatusSummary {
            last_sent: Some(now() - ago),
            ..Default::default()
        }
    }

    #[test]
    fn never_sent() {
        assert_eq!(
            StatusSummary::default().last_sent_age(now()),
            LastSent::Never
        );
    }

    #[test]
    fn ages_are_bucketed() {
        assert_eq!(
            sent(Duration::seconds(59)).last_sent_age(now()),
            LastSent::JustNow
        );
        assert_eq!(
            sent(Duration::minutes(1)).last_sent_age(now()),
            LastSent::Minutes(1)
        );
        assert_eq!(
            sent(Duration::minutes(59)).last_sent_age(now()),
            LastSent::Minutes(59)
        );
        assert_eq!(
            sent(Duration::minutes(60)).last_sent_age(now()),
            LastSent::Hours(1)
        );
        assert_eq!(
            sent(Duration::hours(23)).last_sent_age(now()),
            LastSent::Hours(23)
        );
        assert_eq!(
            sent(Duration::hours(24)).last_sent_age(now()),
            LastSent::Days(1)
        );
        assert_eq!(
            sent(Duration::days(40)).last_sent_age(now()),
            LastSent::Days(40)
        );
    }

    #[test]
    fn future_timestamp_reads_as_just_now() {
        assert_eq!(
            sent(Duration::hours(-3)).last_sent_age(now()),
            LastSent::JustNow
        );
    }

    #[test]
    fn unsent_flag_follows_the_count() {
        let mut s = StatusSummary::default();
        assert!(!s.has_unsent());
        s.waiting_to_send = 2;
        assert!(s.has_unsent());
    }
}
