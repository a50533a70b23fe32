"""The rate limiter on its own: a fixed minute window, a UTC day, the headers, per key."""

from __future__ import annotations

import pytest

from mockserver.core.accounts import Account, Limits
from mockserver.core.errors import ApiError
from mockserver.core.ratelimit import DAY, MINUTE, RateLimiter

MIDNIGHT = 1_704_067_200.0  # 2024-01-01T00:00:00Z: a minute and a day start here


def account(
    per_minute: int | None = 3, daily: int | None = 100, key: str = "key", concurrent: int = 1
) -> Account:
    return Account(key, "test", 1000, "whsec", Limits(per_minute, concurrent, daily))


def refusal(limiter: RateLimiter, who: Account, now: float) -> ApiError:
    with pytest.raises(ApiError) as refused:
        limiter.admit(who, now)
    return refused.value


def test_the_headers_show_the_limit_what_is_left_and_when_the_window_resets() -> None:
    limiter, who = RateLimiter(), account(per_minute=3)
    headers = limiter.admit(who, MIDNIGHT + 20.5)
    assert headers == {
        "X-RateLimit-Limit": "3",
        "X-RateLimit-Remaining": "2",
        "X-RateLimit-Reset": str(int(MIDNIGHT) + MINUTE),
    }
    assert (
        limiter.headers(who, MIDNIGHT + 59.9)["X-RateLimit-Remaining"] == "2"
    )  # reading: no count


def test_the_minute_is_a_fixed_window_on_the_clock_not_a_sliding_one() -> None:
    limiter, who = RateLimiter(), account(per_minute=3)
    for _ in range(3):
        limiter.admit(who, MIDNIGHT + 59)
    error = refusal(limiter, who, MIDNIGHT + 59.5)
    assert error.extensions == {"limit": "requests_per_minute", "retryAfter": 1}
    # one second later a new window has begun, though the three requests were a second ago
    headers = limiter.admit(who, MIDNIGHT + 60)
    assert headers["X-RateLimit-Remaining"] == "2"
    assert headers["X-RateLimit-Reset"] == str(int(MIDNIGHT) + 2 * MINUTE)


def test_a_429_over_the_minute_says_when_the_window_ends_and_shows_it_spent() -> None:
    limiter, who = RateLimiter(), account(per_minute=2)
    limiter.admit(who, MIDNIGHT + 10)
    limiter.admit(who, MIDNIGHT + 10)
    error = refusal(limiter, who, MIDNIGHT + 10.2)
    assert (error.status, error.code) == (429, "RATE_LIMIT_EXCEEDED")
    assert error.extensions == {"limit": "requests_per_minute", "retryAfter": 50}
    assert error.headers == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(MIDNIGHT) + MINUTE),
        "Retry-After": "50",
    }


def test_a_refused_request_is_not_counted() -> None:
    limiter, who = RateLimiter(), account(per_minute=1, daily=5)
    limiter.admit(who, MIDNIGHT)
    for _ in range(10):
        refusal(limiter, who, MIDNIGHT + 1)
    for minute in range(1, 5):  # the day still has four requests left, one a minute
        limiter.admit(who, MIDNIGHT + minute * MINUTE)
    assert refusal(limiter, who, MIDNIGHT + 5 * MINUTE).extensions["limit"] == "daily"


def test_the_daily_limit_resets_at_utc_midnight_and_says_so() -> None:
    limiter, who = RateLimiter(), account(per_minute=None, daily=2)
    limiter.admit(who, MIDNIGHT + 100)
    limiter.admit(who, MIDNIGHT + 200)
    late = MIDNIGHT + DAY - 30.5
    error = refusal(limiter, who, late)
    assert error.extensions == {"limit": "daily", "retryAfter": 31}
    assert error.headers == {"Retry-After": "31"}  # no minute window to describe
    assert limiter.admit(who, MIDNIGHT + DAY) == {}


def test_when_the_day_and_the_minute_are_both_spent_the_day_is_named() -> None:
    limiter, who = RateLimiter(), account(per_minute=2, daily=2)
    limiter.admit(who, MIDNIGHT + 5)
    limiter.admit(who, MIDNIGHT + 5)
    error = refusal(limiter, who, MIDNIGHT + 6)
    assert error.extensions == {"limit": "daily", "retryAfter": DAY - 6}
    assert error.headers["X-RateLimit-Remaining"] == "0"


def test_a_key_without_limits_is_never_refused_and_gets_no_headers() -> None:
    limiter, who = RateLimiter(), account(per_minute=None, daily=None)
    for _ in range(1000):
        assert limiter.admit(who, MIDNIGHT) == {}
    assert limiter.headers(who, MIDNIGHT) == {}


def test_each_key_has_its_own_counts() -> None:
    limiter = RateLimiter()
    mine, theirs = account(per_minute=1, key="mine"), account(per_minute=1, key="theirs")
    limiter.admit(mine, MIDNIGHT)
    assert refusal(limiter, mine, MIDNIGHT).status == 429
    assert limiter.admit(theirs, MIDNIGHT)["X-RateLimit-Remaining"] == "0"


def test_count_counts_without_checking_and_uncount_takes_one_back_never_below_zero() -> None:
    limiter, who = RateLimiter(), account(per_minute=1, daily=1)
    assert limiter.count(who, MIDNIGHT)["X-RateLimit-Remaining"] == "0"
    assert limiter.count(who, MIDNIGHT)["X-RateLimit-Remaining"] == "0"  # over, yet counted
    limiter.uncount(who, MIDNIGHT)
    assert refusal(limiter, who, MIDNIGHT).extensions["limit"] == "daily"  # one still counted
    limiter.uncount(who, MIDNIGHT)
    limiter.uncount(who, MIDNIGHT)
    assert limiter.admit(who, MIDNIGHT)["X-RateLimit-Remaining"] == "0"
    assert refusal(limiter, who, MIDNIGHT).status == 429


def test_reset_forgets_every_count() -> None:
    limiter, who = RateLimiter(), account(per_minute=1, daily=1)
    limiter.admit(who, MIDNIGHT)
    limiter.reset()
    assert limiter.admit(who, MIDNIGHT)["X-RateLimit-Remaining"] == "0"


def test_a_changed_limit_applies_to_the_counts_so_far() -> None:
    limiter = RateLimiter()
    limiter.admit(account(per_minute=3), MIDNIGHT)
    limiter.admit(account(per_minute=3), MIDNIGHT)
    assert refusal(limiter, account(per_minute=2), MIDNIGHT).status == 429
    assert limiter.admit(account(per_minute=5), MIDNIGHT)["X-RateLimit-Remaining"] == "2"


def test_usage_reads_both_windows_without_counting() -> None:
    limiter, who = RateLimiter(), account(per_minute=3, daily=100)
    limiter.admit(who, MIDNIGHT + 10)
    limiter.admit(who, MIDNIGHT + 20)
    usage = limiter.usage(who, MIDNIGHT + 30)
    assert usage == {
        "minute": {"limit": 3, "used": 2, "remaining": 1, "resetsAt": "2024-01-01T00:01:00Z"},
        "day": {"limit": 100, "used": 2, "remaining": 98, "resetsAt": "2024-01-02T00:00:00Z"},
    }
    assert limiter.usage(who, MIDNIGHT + 30) == usage  # reading counted nothing
    later = limiter.usage(who, MIDNIGHT + MINUTE + 1)  # a new window, the same day
    assert later["minute"]["used"] == 0 and later["day"]["used"] == 2


def test_usage_of_a_key_that_sent_nothing_or_has_no_limits() -> None:
    limiter = RateLimiter()
    unlimited = account(per_minute=None, daily=None, key="free-for-all")
    usage = limiter.usage(unlimited, MIDNIGHT)
    assert usage["minute"] == {
        "limit": None,
        "used": 0,
        "remaining": None,
        "resetsAt": "2024-01-01T00:01:00Z",
    }
    assert usage["day"]["remaining"] is None
    assert limiter.headers(unlimited, MIDNIGHT) == {}  # and it kept nothing for that key
