/*
 * retry_policy.h
 *		Which failed attempts are worth another try, and how long to wait.
 *
 * Pure C, no PostgreSQL headers: unit-tested on its own.  What is worth a
 * retry is the caller's to say (aws_error.h for AWS calls).
 */
#ifndef ATHENA_RETRY_POLICY_H
#define ATHENA_RETRY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Backoff of retried failures other than throttling (throttled requests
 * wait for the rate limiter, rate_limiter.h): the wait before retry n is
 * drawn from [0, min(cap, base * 2^(n-1))], as botocore's standard mode
 * does.  With the default 5 retries the waits are drawn from up to 1, 2,
 * 4, 8 and 16 s, so a request outlives a 3 s outage (a run of 5xx or
 * refused connections) 998 times in 1000 and a 5 s one 984 times, and
 * gives up on a lasting one after 15.5 s on average, 31 s at most.  (With
 * 100 ms and 5 s it gave up after 3.1 s at most: a 2 s outage failed 77 %
 * of requests.)
 */
#define RETRY_BASE_MS	1000
#define RETRY_CAP_MS	20000

/*
 * Delay before retry number `retry` (1 for the first retry): "full jitter",
 * a uniform pick in [0, min(cap, base * 2^(retry-1))], from random_value
 * (any 32-bit random number).  When the server sent Retry-After
 * (retry_after_ms >= 0), the delay is at least that, but never above cap.
 */
extern uint32_t retry_delay_ms(int retry, uint32_t base_ms, uint32_t cap_ms,
							   uint32_t random_value, int64_t retry_after_ms);

/*
 * Parses a Retry-After header value in delta-seconds ("2") into ms.
 * Returns -1 when absent (NULL) or not a plain number (HTTP dates are
 * ignored).
 */
extern int64_t retry_parse_retry_after(const char *value);

/*
 * The retry quota, as botocore's standard mode keeps one per client: a
 * bucket of RETRY_QUOTA_CAPACITY tokens, RETRY_QUOTA_COST taken for each
 * retry (RETRY_QUOTA_TIMEOUT_COST after a timeout), given back by a success:
 * what its last retry took, or RETRY_QUOTA_REFUND when it needed none.  A
 * retry that finds too few tokens is not made, so in an outage the failures
 * no longer multiply the load once about 100 retries have gone unanswered;
 * successes fill the bucket again.  Kept per HttpClient: one endpoint and
 * one key (a user mapping) in a backend.
 */
#define RETRY_QUOTA_CAPACITY		500
#define RETRY_QUOTA_COST			5
#define RETRY_QUOTA_TIMEOUT_COST	10
#define RETRY_QUOTA_REFUND			1

typedef struct RetryQuota
{
	int			available;		/* 0 .. RETRY_QUOTA_CAPACITY */
} RetryQuota;

extern void retry_quota_init(RetryQuota *quota);

/* Takes a retry's cost: the tokens taken, or 0 when too few are left. */
extern int	retry_quota_acquire(RetryQuota *quota, bool after_timeout);

/*
 * A success: gives back cost (what the request's last retry took), or
 * RETRY_QUOTA_REFUND when cost is 0; never above the capacity.
 */
extern void retry_quota_release(RetryQuota *quota, int cost);

#endif							/* ATHENA_RETRY_POLICY_H */
