//! Rate limits on sign-in attempts, per username and per client address (governor's
//! keyed GCRA limiters), and on password changes per account. Every attempt counts,
//! whether or not the username exists, so the limit reveals nothing about accounts.
//!
//! Memory stays bounded whatever clients send: keys are 64-bit keyed hashes (a 1 MB
//! username costs 8 bytes), idle keys are forgotten by [`LoginLimiter::forget_idle`]
//! (the housekeeping task calls it every minute), and refusals are not audited one by
//! one: the first refusal of a key in a window is reported, the rest are counted and
//! summarised once when the window ends (at most [`MAX_REFUSAL_KEYS`] keys tracked).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ServiceError;

/// How many attempts are allowed at once and how fast the allowance comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub per_username_burst: u32,
    pub per_username_period: Duration,
    pub per_address_burst: u32,
    pub per_address_period: Duration,
}

impl Default for LoginLimits {
    /// 5 attempts per username, then one every 12 s; 20 per address, then one every 3 s.
    fn default() -> Self {
        LoginLimits {
            per_username_burst: 5,
            per_username_period: Duration::from_secs(12),
            per_address_burst: 20,
            per_address_period: Duration::from_secs(3),
        }
    }
}

/// Refusals of one key are summarised after this long.
pub const REFUSAL_WINDOW: Duration = Duration::from_secs(60);

/// Keys whose refusals are tracked at once; refusals beyond are counted together.
pub const MAX_REFUSAL_KEYS: usize = 4096;

/// A refused attempt, and whether it is the one to audit.
#[derive(Debug)]
pub struct Refused {
    pub error: ServiceError,
    /// The first refusal of this key in its window: audit it. Later ones are counted.
    pub first_in_window: bool,
}

/// Refusals counted after the first one of a key, reported when its window ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalSummary {
    /// The username tried (shortened) and the client, as the first refusal saw them;
    /// `None` for refusals counted beyond [`MAX_REFUSAL_KEYS`].
    pub first: Option<(String, Option<String>)>,
    /// Refusals not audited one by one.
    pub more: u64,
}

struct RefusalWindow {
    opened: Instant,
    username: String,
    client: Option<String>,
    more: u64,
}

#[derive(Default)]
struct Refusals {
    windows: HashMap<u64, RefusalWindow>,
    overflow: u64,
}

/// The keyed limiters and the refusal counts.
pub struct LoginLimiter {
    by_username: DefaultKeyedRateLimiter<u64>,
    by_address: DefaultKeyedRateLimiter<u64>,
    by_account: DefaultKeyedRateLimiter<u64>,
    keys: RandomState,
    refusals: Mutex<Refusals>,
    clock: DefaultClock,
}

fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl LoginLimiter {
    /// Limiters with the given allowances. Password changes get the per-username one.
    pub fn new(limits: LoginLimits) -> LoginLimiter {
        let per_username = quota(limits.per_username_burst, limits.per_username_period);
        LoginLimiter {
            by_username: RateLimiter::keyed(per_username),
            by_address: RateLimiter::keyed(quota(
                limits.per_address_burst,
                limits.per_address_period,
            )),
            by_account: RateLimiter::keyed(per_username),
            keys: RandomState::new(),
            refusals: Mutex::default(),
            clock: DefaultClock::default(),
        }
    }

    fn key(&self, kind: u8, text: &str) -> u64 {
        self.keys.hash_one((kind, text))
    }

    /// Counts one sign-in attempt; refuses it when either allowance is used up.
    /// `username` is the (length-checked) name as typed; case does not matter.
    pub fn check(&self, username: &str, address: Option<&str>) -> Result<(), Refused> {
        if let Some(address) = address {
            let key = self.key(b'a', address);
            self.take(&self.by_address, key, username, Some(address))?;
        }
        let key = self.key(b'u', &username.to_lowercase());
        self.take(&self.by_username, key, username, address)
    }

    /// Counts one password-change attempt of an account (by its id).
    pub fn check_password_change(&self, account: &str) -> Result<(), Refused> {
        let key = self.key(b'p', account);
        self.take(&self.by_account, key, account, None)
    }

    fn take(
        &self,
        limiter: &DefaultKeyedRateLimiter<u64>,
        key: u64,
        username: &str,
        client: Option<&str>,
    ) -> Result<(), Refused> {
        let now = self.clock.now();
        limiter.check_key(&key).map_err(|until| Refused {
            error: ServiceError::RateLimited {
                retry_after: until.wait_time_from(now),
            },
            first_in_window: self.count_refusal(key, username, client),
        })
    }

    /// Counts a refusal; `true` when it opens a window (and so is to be audited).
    fn count_refusal(&self, key: u64, username: &str, client: Option<&str>) -> bool {
        let Ok(mut refusals) = self.refusals.lock() else {
            return false;
        };
        if let Some(window) = refusals.windows.get_mut(&key) {
            window.more += 1;
            return false;
        }
        if refusals.windows.len() >= MAX_REFUSAL_KEYS {
            refusals.overflow += 1;
            return false;
        }
        refusals.windows.insert(
            key,
            RefusalWindow {
                opened: Instant::now(),
                username: username.to_owned(),
                client: client.map(str::to_owned),
                more: 0,
            },
        );
        true
    }

    /// Closes the refusal windows older than [`REFUSAL_WINDOW`] at `now` and answers the
    /// ones with refusals left to report.
    pub fn take_refusal_summaries(&self, now: Instant) -> Vec<RefusalSummary> {
        let Ok(mut refusals) = self.refusals.lock() else {
            return Vec::new();
        };
        let mut summaries = Vec::new();
        refusals.windows.retain(|_, window| {
            if now.saturating_duration_since(window.opened) < REFUSAL_WINDOW {
                return true;
            }
            if window.more > 0 {
                summaries.push(RefusalSummary {
                    first: Some((window.username.clone(), window.client.clone())),
                    more: window.more,
                });
            }
            false
        });
        if refusals.overflow > 0 {
            summaries.push(RefusalSummary {
                first: None,
                more: std::mem::take(&mut refusals.overflow),
            });
        }
        summaries
    }

    /// Forgets keys whose allowance is full again.
    pub fn forget_idle(&self) {
        self.by_username.retain_recent();
        self.by_address.retain_recent();
        self.by_account.retain_recent();
        self.by_username.shrink_to_fit();
        self.by_address.shrink_to_fit();
        self.by_account.shrink_to_fit();
    }

    /// Keys held now (limiters and refusal windows), to prove they stay bounded.
    pub fn tracked_keys(&self) -> usize {
        let windows = self.refusals.lock().map_or(0, |r| r.windows.len());
        self.by_username.len() + self.by_address.len() + self.by_account.len() + windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_and_an_address_are_limited_independently() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_username_burst: 2,
            per_username_period: Duration::from_secs(60),
            per_address_burst: 3,
            per_address_period: Duration::from_secs(60),
        });
        assert!(limiter.check("alice", Some("10.0.0.1")).is_ok());
        assert!(limiter.check("ALICE", Some("10.0.0.2")).is_ok());
        // The third try at alice is refused, whatever the address.
        let Err(Refused {
            error: ServiceError::RateLimited { retry_after },
            first_in_window: true,
        }) = limiter.check("alice", Some("10.0.0.3"))
        else {
            panic!("alice should be limited, and this is the refusal to audit");
        };
        assert!(retry_after > Duration::from_secs(50));
        // 10.0.0.1 has used one of three; two more names pass, the next is refused.
        assert!(limiter.check("bob", Some("10.0.0.1")).is_ok());
        assert!(limiter.check("carol", Some("10.0.0.1")).is_ok());
        assert!(limiter.check("dave", Some("10.0.0.1")).is_err());
    }

    #[test]
    fn refusals_are_audited_once_per_key_and_window_then_summarised() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_username_burst: 1,
            per_username_period: Duration::from_secs(3600),
            per_address_burst: 1000,
            per_address_period: Duration::from_secs(1),
        });
        assert!(limiter.check("alice", Some("10.0.0.1")).is_ok());
        let firsts: Vec<bool> = (0..50)
            .map(|_| {
                limiter
                    .check("alice", Some("10.0.0.1"))
                    .unwrap_err()
                    .first_in_window
            })
            .collect();
        assert_eq!(firsts.iter().filter(|first| **first).count(), 1);
        assert!(firsts[0]);
        assert!(
            limiter.take_refusal_summaries(Instant::now()).is_empty(),
            "window open"
        );
        let later = Instant::now() + REFUSAL_WINDOW;
        assert_eq!(
            limiter.take_refusal_summaries(later),
            vec![RefusalSummary {
                first: Some(("alice".into(), Some("10.0.0.1".into()))),
                more: 49
            }]
        );
        // The next refusal opens a new window and is audited again.
        assert!(limiter.check("alice", None).unwrap_err().first_in_window);
    }

    #[test]
    fn keys_stay_small_and_idle_ones_are_forgotten() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_username_burst: 1,
            per_username_period: Duration::from_millis(1),
            per_address_burst: 1,
            per_address_period: Duration::from_millis(1),
        });
        let huge = "x".repeat(1 << 20);
        for i in 0..1000 {
            let _ = limiter.check(
                &format!("{huge}{i}"),
                Some(&format!("10.0.{}.{}", i / 256, i % 256)),
            );
        }
        assert!(limiter.tracked_keys() >= 2000);
        std::thread::sleep(Duration::from_millis(5));
        limiter.forget_idle();
        assert_eq!(limiter.tracked_keys(), 0);
    }

    #[test]
    fn refusal_tracking_is_bounded() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_username_burst: 1,
            per_username_period: Duration::from_secs(3600),
            per_address_burst: 1000,
            per_address_period: Duration::from_secs(1),
        });
        for i in 0..(MAX_REFUSAL_KEYS + 10) {
            let name = format!("user{i}");
            let _ = limiter.check(&name, None);
            let _ = limiter.check(&name, None);
        }
        let summaries = limiter.take_refusal_summaries(Instant::now() + REFUSAL_WINDOW);
        assert_eq!(
            summaries.last(),
            Some(&RefusalSummary {
                first: None,
                more: 10
            })
        );
    }
}
