//! Rate limits on sign-in attempts, per username and per client address (governor's
//! keyed GCRA limiters). Every attempt counts, whether or not the username exists, so the
//! limit reveals nothing about accounts.

use std::num::NonZeroU32;
use std::time::Duration;

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

/// The two keyed limiters.
pub struct LoginLimiter {
    by_username: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl LoginLimiter {
    /// Limiters with the given allowances.
    pub fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter {
            by_username: RateLimiter::keyed(quota(
                limits.per_username_burst,
                limits.per_username_period,
            )),
            by_address: RateLimiter::keyed(quota(
                limits.per_address_burst,
                limits.per_address_period,
            )),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt; refuses it when either allowance is used up.
    pub fn check(&self, username: &str, address: Option<&str>) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let refused = |wait: Duration| ServiceError::RateLimited { retry_after: wait };
        if let Some(address) = address {
            self.by_address
                .check_key(&address.to_owned())
                .map_err(|until| refused(until.wait_time_from(now)))?;
        }
        self.by_username
            .check_key(&username.to_lowercase())
            .map_err(|until| refused(until.wait_time_from(now)))?;
        Ok(())
    }

    /// Forgets keys whose allowance is full again (keeps memory bounded).
    pub fn forget_idle(&self) {
        self.by_username.retain_recent();
        self.by_address.retain_recent();
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
        let Err(ServiceError::RateLimited { retry_after }) =
            limiter.check("alice", Some("10.0.0.3"))
        else {
            panic!("alice should be limited");
        };
        assert!(retry_after > Duration::from_secs(50));
        // 10.0.0.1 has used one of three; two more names pass, the next is refused.
        assert!(limiter.check("bob", Some("10.0.0.1")).is_ok());
        assert!(limiter.check("carol", Some("10.0.0.1")).is_ok());
        assert!(limiter.check("dave", Some("10.0.0.1")).is_err());
    }
}
