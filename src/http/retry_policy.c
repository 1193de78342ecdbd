/*
 * retry_policy.c
 *		Which failed attempts are worth another try, and how long to wait.
 *
 * Which attempts are retried is the caller's decision (for AWS calls,
 * aws_retry_verdict in aws_error.h); how long a retry waits is decided here.
 * Throttled requests wait for the rate limiter (rate_limiter.h); the others
 * for "full jitter" exponential backoff, which spreads the retries of many
 * concurrent requests (one per session id of a scan) instead of having them
 * hit the service again in lockstep.
 */
#include "retry_policy.h"

#include <stddef.h>

uint32_t
retry_delay_ms(int retry, uint32_t base_ms, uint32_t cap_ms,
			   uint32_t random_value, int64_t retry_after_ms)
{
	uint64_t	ceiling;
	uint32_t	delay;

	if (retry < 1)
		retry = 1;

	/*
	 * base * 2^(retry-1), computed so that it cannot overflow: a uint32 base
	 * shifted by less than 32 fits in 64 bits, and from 32 on the result is
	 * above any uint32 cap anyway (unless base is 0).
	 */
	if (base_ms == 0)
		ceiling = 0;
	else if (retry - 1 >= 32)
		ceiling = cap_ms;
	else
		ceiling = (uint64_t) base_ms << (retry - 1);
	if (ceiling > cap_ms)
		ceiling = cap_ms;

	/* ceiling + 1 is done in 64 bits: with cap UINT32_MAX it would wrap */
	delay = (uint32_t) ((uint64_t) random_value % (ceiling + 1));

	/* the server knows better than our guess, up to our patience */
	if (retry_after_ms >= 0 && (uint64_t) retry_after_ms > delay)
		delay = (uint64_t) retry_after_ms > cap_ms ? cap_ms : (uint32_t) retry_after_ms;

	return delay;
}

int64_t
retry_parse_retry_after(const char *value)
{
	const char *p = value;
	int64_t		seconds = 0;
	bool		saturated = false;

	if (value == NULL)
		return -1;

	/* header values may keep optional whitespace around them */
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -1;				/* empty, signed, or an HTTP-date */
	for (; *p >= '0' && *p <= '9'; p++)
	{
		/* a huge delta is still a valid delta; the delay is capped later */
		if (!saturated && seconds > (INT64_MAX / 1000 - 9) / 10)
			saturated = true;
		if (!saturated)
			seconds = seconds * 10 + (*p - '0');
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '\0')
		return -1;
	if (saturated)
		return INT64_MAX / 1000 * 1000;
	return seconds * 1000;
}

void
retry_quota_init(RetryQuota *quota)
{
	quota->available = RETRY_QUOTA_CAPACITY;
}

int
retry_quota_acquire(RetryQuota *quota, bool after_timeout)
{
	int			cost = after_timeout ? RETRY_QUOTA_TIMEOUT_COST : RETRY_QUOTA_COST;

	if (quota->available < cost)
		return 0;
	quota->available -= cost;
	return cost;
}

void
retry_quota_release(RetryQuota *quota, int cost)
{
	quota->available += cost > 0 ? cost : RETRY_QUOTA_REFUND;
	if (quota->available > RETRY_QUOTA_CAPACITY)
		quota->available = RETRY_QUOTA_CAPACITY;
}
