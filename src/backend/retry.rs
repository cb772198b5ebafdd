//! Retrying transient faults: HTTP 429 after the server's `Retry-After`, retryable 5xx with
//! exponential backoff and jitter, a bounded number of times per operation, as Azure's SDKs
//! do. Waits scale with the backend's [`super::Backend::time_scale`] (the simulator's latency
//! factor), so a simulator without latency retries at once.

use std::future::Future;
use std::time::Duration;

use super::BackendError;

/// Attempts per operation, the first included.
pub const MAX_ATTEMPTS: u32 = 8;

/// The first backoff; each retry doubles it, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What retrying went through: whether the server throttled any attempt.
#[derive(Debug, Default, Clone, Copy)]
pub struct Attempts {
    pub throttled: bool,
}

/// Runs `call` until it succeeds, fails for good, or has been tried [`MAX_ATTEMPTS`] times;
/// waits are multiplied by `time_scale`.
pub async fn retrying<T, F, Fut>(
    time_scale: f64,
    mut call: F,
) -> (Result<T, BackendError>, Attempts)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, BackendError>>,
{
    let mut attempts = Attempts::default();
    for attempt in 1.. {
        match call().await {
            Err(e) if e.retryable && attempt < MAX_ATTEMPTS => {
                attempts.throttled |= e.is_throttling();
                let wait = e.retry_after.unwrap_or_else(|| backoff(attempt));
                let scaled = wait.mul_f64(time_scale.max(0.0));
                if !scaled.is_zero() {
                    tokio::time::sleep(scaled).await;
                }
            }
            result => return (result, attempts),
        }
    }
    unreachable!("the loop returns by MAX_ATTEMPTS")
}

/// Exponential backoff for the retry after `attempt`, with up to 50% random jitter so that
/// clients that failed together do not retry together.
fn backoff(attempt: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(1 << (attempt - 1).min(16))
        .min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    base.mul_f64(1.0 + f64::from(nanos % 500) / 1000.0)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// Runs `retrying` over answers given in order (the last repeats), at time scale 0.
    fn run(answers: &[Result<u32, BackendError>]) -> (Result<u32, BackendError>, Attempts, usize) {
        let calls = Cell::new(0);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let (result, attempts) = rt.block_on(retrying(0.0, || {
            let answer = answers[calls.get().min(answers.len() - 1)].clone();
            calls.set(calls.get() + 1);
            async move { answer }
        }));
        (result, attempts, calls.get())
    }

    #[test]
    fn transient_faults_are_retried_and_others_are_not() {
        let throttled = BackendError::transient(
            "TooManyRequests",
            "slow down",
            Some(Duration::from_secs(10)),
        );
        let unavailable = BackendError::transient("ServiceUnavailable", "later", None);
        let (result, attempts, calls) =
            run(&[Err(throttled.clone()), Err(unavailable.clone()), Ok(7)]);
        assert_eq!((result.unwrap(), attempts.throttled, calls), (7, true, 3));

        let refused = BackendError::new("InvalidGatewaySize", "no");
        let (result, _, calls) = run(&[Err(refused), Ok(7)]);
        assert_eq!(
            (result.unwrap_err().code.as_str(), calls),
            ("InvalidGatewaySize", 1)
        );

        let (result, attempts, calls) = run(&[Err(unavailable)]);
        assert!(result.is_err() && !attempts.throttled);
        assert_eq!(calls, MAX_ATTEMPTS as usize, "bounded per operation");
    }

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        assert!(backoff(1) >= FIRST_BACKOFF && backoff(1) < FIRST_BACKOFF * 2);
        assert!(backoff(3) >= FIRST_BACKOFF * 4);
        assert!(backoff(12) <= MAX_BACKOFF.mul_f64(1.5));
    }
}
