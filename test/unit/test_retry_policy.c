/*
 * test_retry_policy.c
 *		Unit tests of the retry classification and the backoff delays.
 *		Prints TAP.
 */
#include "aws_error.h"
#include "retry_policy.h"
#include "tap.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * aws_error_set's classification and aws_retry_verdict together: what each
 * kind of answer is, and whether it is retried.
 */
static void
test_classification(void)
{
	static const struct
	{
		bool		transport_failed;
		int			status;
		const char *type;
		const char *message;
		AwsErrorClass error_class;
		bool		retry;
	}			cases[] = {
		{true, 0, NULL, NULL, AWS_ERROR_OTHER, true},
		{true, 200, NULL, NULL, AWS_ERROR_OTHER, true},
		{false, 429, NULL, NULL, AWS_ERROR_THROTTLED, true},
		{false, 429, "TooManyRequestsException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 500, NULL, NULL, AWS_ERROR_TRANSIENT, true},
		{false, 500, "InternalServerException", NULL, AWS_ERROR_TRANSIENT, true},
		{false, 502, NULL, NULL, AWS_ERROR_TRANSIENT, true},
		{false, 503, NULL, NULL, AWS_ERROR_TRANSIENT, true},
		{false, 503, "ServiceUnavailableException", NULL, AWS_ERROR_TRANSIENT, true},
		{false, 503, "SlowDown", NULL, AWS_ERROR_THROTTLED, true},
		{false, 504, NULL, NULL, AWS_ERROR_TRANSIENT, true},
		/* botocore's transient statuses only: the others fail again */
		{false, 501, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 505, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 599, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 501, "NotImplemented", NULL, AWS_ERROR_OTHER, false},
		/* STS: the identity provider did not answer, a 400 */
		{false, 400, "IDPCommunicationError", NULL, AWS_ERROR_TRANSIENT, true},
		{false, 400, "ThrottlingException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "TooManyRequestsException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "RequestLimitExceeded", NULL, AWS_ERROR_THROTTLED, true},
		/* the rest of botocore's throttling codes */
		{false, 400, "Throttling", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "ThrottledException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "RequestThrottledException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "ProvisionedThroughputExceededException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "TransactionInProgressException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "BandwidthLimitExceeded", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "LimitExceededException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "RequestThrottled", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "SlowDown", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "PriorRequestNotComplete", NULL, AWS_ERROR_THROTTLED, true},
		{false, 400, "EC2ThrottledException", NULL, AWS_ERROR_THROTTLED, true},
		{false, 408, "RequestTimeout", NULL, AWS_ERROR_TRANSIENT, true},
		{false, 400, "RequestTimeoutException", NULL, AWS_ERROR_TRANSIENT, true},
		{false, 400, "ValidationException", NULL, AWS_ERROR_VALIDATION, false},
		{false, 400, "InvalidRequestException", "The request could not be processed",
		AWS_ERROR_VALIDATION, false},
		{false, 400, "InvalidRequestException", "WorkGroup w is not found",
		AWS_ERROR_VALIDATION, false},
		{false, 400, "InvalidRequestException", "Session ID s-1 was not found",
		AWS_ERROR_NOT_FOUND, false},
		{false, 400, "ResourceNotFoundException", "Session s-1 not found",
		AWS_ERROR_NOT_FOUND, false},
		{false, 400, "ResourceNotFoundException", NULL, AWS_ERROR_NOT_FOUND, false},
		{false, 400, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 400, "", NULL, AWS_ERROR_OTHER, false},
		{false, 400, "throttlingexception", NULL, AWS_ERROR_OTHER, false},
		{false, 400, "ThrottlingExceptionX", NULL, AWS_ERROR_OTHER, false},
		{false, 403, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 403, "InvalidSignatureException", NULL, AWS_ERROR_AUTH, false},
		{false, 400, "UnrecognizedClientException", NULL, AWS_ERROR_AUTH, false},
		{false, 403, "ExpiredTokenException", NULL, AWS_ERROR_AUTH, false},
		{false, 403, "AccessDeniedException", NULL, AWS_ERROR_ACCESS_DENIED, false},
		{false, 404, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 301, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 302, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 302, "ThrottlingException", NULL, AWS_ERROR_OTHER, false},
		{false, 302, "AccessDeniedException", NULL, AWS_ERROR_OTHER, false},
		{false, 200, NULL, NULL, AWS_ERROR_OTHER, false},
		{false, 600, NULL, NULL, AWS_ERROR_OTHER, false},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		HttpResult	attempt;
		AwsError	err;
		AwsErrorClass c;
		bool		retry;
		const char *type = cases[i].type;
		const char *msg = cases[i].message;

		memset(&attempt, 0, sizeof(attempt));
		attempt.outcome = cases[i].transport_failed ? HTTP_NETWORK_ERROR :
			HTTP_RESPONSE;
		attempt.http_status = cases[i].transport_failed ? 0 : cases[i].status;
		aws_error_set(cases[i].status, type, type ? strlen(type) : 0,
					  msg, msg ? strlen(msg) : 0, NULL, &err);
		c = cases[i].transport_failed ? AWS_ERROR_OTHER : err.error_class;
		retry = aws_retry_verdict(&attempt, &err, true) != HTTP_RETRY_NO;
		aws_error_free(&err);

		ok(c == cases[i].error_class && retry == cases[i].retry,
		   "%s %d %s%s%s -> %s, %s (got %s)",
		   cases[i].transport_failed ? "transport failure," : "HTTP",
		   cases[i].status, cases[i].type ? cases[i].type : "(no type)",
		   cases[i].message ? " " : "", cases[i].message ? cases[i].message : "",
		   aws_error_class_name(cases[i].error_class),
		   cases[i].retry ? "retry" : "no retry",
		   aws_error_class_name(c));
	}
}

static void
test_delays(void)
{
	int			retry;
	bool		never_above = true;
	bool		grows = true;
	uint32_t	r;

	/* with random UINT32_MAX the pick is the upper bound of its range */
	for (retry = 1; retry <= 200; retry++)
	{
		uint32_t	max = retry_delay_ms(retry, RETRY_BASE_MS, RETRY_CAP_MS,
										 UINT32_MAX, -1);
		uint32_t	expected_bound;
		uint64_t	exp = retry - 1 < 40 ? (uint64_t) RETRY_BASE_MS << (retry - 1) : UINT64_MAX;

		expected_bound = exp < RETRY_CAP_MS ? (uint32_t) exp : RETRY_CAP_MS;
		if (max > RETRY_CAP_MS)
			never_above = false;
		if (max > expected_bound)
		{
			never_above = false;
			diag("retry %d: %u above %u", retry, max, expected_bound);
		}
	}
	ok(never_above, "delays never exceed the cap or base*2^(retry-1), retries 1..200");

	/* exact ranges: random = bound picks the bound itself */
	ok(retry_delay_ms(1, 100, 5000, 100, -1) == 100, "retry 1: random 100 -> 100");
	ok(retry_delay_ms(1, 100, 5000, 101, -1) == 0, "retry 1: range is [0,100]");
	ok(retry_delay_ms(2, 100, 5000, 200, -1) == 200, "retry 2: range reaches 200");
	ok(retry_delay_ms(3, 100, 5000, 400, -1) == 400, "retry 3: range reaches 400");
	ok(retry_delay_ms(6, 100, 5000, 3200, -1) == 3200, "retry 6: range reaches 3200");
	ok(retry_delay_ms(7, 100, 5000, 5000, -1) == 5000, "retry 7: capped at 5000");
	ok(retry_delay_ms(7, 100, 5000, 5001, -1) == 0, "retry 7: range is [0,5000]");

	/* the largest possible delay grows with the retry number, then stays */
	{
		uint32_t	last = 0;

		for (retry = 1; retry <= 10; retry++)
		{
			/* the largest pick is at random = bound */
			uint64_t	b = (uint64_t) RETRY_BASE_MS << (retry - 1);
			uint32_t	bound = b < RETRY_CAP_MS ? (uint32_t) b : RETRY_CAP_MS;
			uint32_t	d = retry_delay_ms(retry, RETRY_BASE_MS, RETRY_CAP_MS, bound, -1);

			if (d != bound || d < last)
				grows = false;
			last = d;
		}
	}
	ok(grows, "the range grows with each retry until the cap");

	/* jitter: the delay is random_value mod (bound + 1) */
	{
		bool		jitter = true;

		for (r = 0; r < 3000; r += 7)
			if (retry_delay_ms(4, 100, 5000, r, -1) != r % 801)
				jitter = false;
		ok(jitter, "delay is random_value %% (bound + 1)");
		ok(retry_delay_ms(4, 100, 5000, 1, -1) != retry_delay_ms(4, 100, 5000, 2, -1),
		   "different random values give different delays");
	}

	/* no shift overflow for huge retry numbers or a huge base */
	ok(retry_delay_ms(INT32_MAX, 100, 5000, 4999, -1) == 4999, "retry INT_MAX");
	ok(retry_delay_ms(33, 100, 5000, 4999, -1) == 4999, "retry 33");
	ok(retry_delay_ms(32, UINT32_MAX, UINT32_MAX, UINT32_MAX, -1) == UINT32_MAX,
	   "base and cap UINT32_MAX: no wrap of cap + 1");
	ok(retry_delay_ms(1, UINT32_MAX, 5000, 7000, -1) == 7000 % 5001,
	   "base above cap is capped");
	ok(retry_delay_ms(0, 100, 5000, 100, -1) == 100, "retry 0 behaves as retry 1");
	ok(retry_delay_ms(-5, 100, 5000, 150, -1) == 150 % 101, "negative retry behaves as 1");
	ok(retry_delay_ms(5, 0, 5000, 12345, -1) == 0, "base 0 gives 0");
	ok(retry_delay_ms(5, 100, 0, 12345, -1) == 0, "cap 0 gives 0");

	/* Retry-After */
	ok(retry_delay_ms(1, 100, 5000, 0, 2000) == 2000, "Retry-After raises the delay");
	ok(retry_delay_ms(1, 100, 5000, 0, 60000) == 5000, "Retry-After is capped");
	ok(retry_delay_ms(7, 100, 5000, 4000, 1000) == 4000,
	   "Retry-After below the jittered delay keeps the delay");
	ok(retry_delay_ms(1, 100, 5000, 50, 0) == 50, "Retry-After 0 changes nothing");
	ok(retry_delay_ms(1, 100, 5000, 50, -1) == 50, "Retry-After -1 means absent");
	ok(retry_delay_ms(1, 100, 5000, 0, INT64_MAX) == 5000, "Retry-After INT64_MAX capped");
}

static void
test_retry_after(void)
{
	static const struct
	{
		const char *value;
		int64_t		ms;
	}			cases[] = {
		{"2", 2000},
		{"0", 0},
		{"120", 120000},
		{" 3 ", 3000},
		{"5\r\n", 5000},
		{"007", 7000},
		{"", -1},
		{" ", -1},
		{"-1", -1},
		{"+1", -1},
		{"1.5", -1},
		{"2x", -1},
		{"Wed, 21 Oct 2015 07:28:00 GMT", -1},
		{"99999999999999999999999", INT64_MAX / 1000 * 1000},
	};
	size_t		i;

	ok(retry_parse_retry_after(NULL) == -1, "Retry-After NULL -> -1");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		int64_t		got = retry_parse_retry_after(cases[i].value);

		char		label[64];
		size_t		j,
					o = 0;

		/* keep CR and LF out of the TAP line */
		for (j = 0; cases[i].value[j] != '\0' && o + 3 < sizeof(label); j++)
		{
			char		c = cases[i].value[j];

			if (c == '\r' || c == '\n')
			{
				label[o++] = '\\';
				label[o++] = c == '\r' ? 'r' : 'n';
			}
			else
				label[o++] = c;
		}
		label[o] = '\0';
		if (!ok(got == cases[i].ms, "Retry-After \"%s\" -> %" PRId64,
				label, cases[i].ms))
			diag("got %" PRId64, got);
	}
}

/* botocore's standard mode: 500 tokens, 5 a retry, 10 after a timeout */
static void
test_retry_quota(void)
{
	RetryQuota	q;
	int			retries = 0;
	int			cost;

	retry_quota_init(&q);
	ok(q.available == 500, "the quota starts full");
	while (retry_quota_acquire(&q, false) != 0)
		retries++;
	ok(retries == 100, "an outage empties it after 100 retries");
	ok(q.available == 0, "nothing is left");
	ok(retry_quota_acquire(&q, false) == 0, "an empty quota pays no retry");

	retry_quota_release(&q, 0);
	retry_quota_release(&q, 0);
	retry_quota_release(&q, 0);
	retry_quota_release(&q, 0);
	ok(retry_quota_acquire(&q, false) == 0,
	   "four successes without retries give back 4 tokens: not enough");
	retry_quota_release(&q, 0);
	ok(retry_quota_acquire(&q, false) == 5, "the fifth pays for one retry");
	retry_quota_release(&q, 5);
	ok(q.available == 5, "a retried success gives back what its retry took");
	ok(retry_quota_acquire(&q, true) == 0, "a timeout's retry costs 10");
	retry_quota_release(&q, 5);
	cost = retry_quota_acquire(&q, true);
	ok(cost == 10 && q.available == 0, "10 tokens pay for it");

	retry_quota_init(&q);
	retry_quota_release(&q, 10);
	ok(q.available == 500, "never above the capacity");
}

int
main(void)
{
	test_classification();
	test_retry_quota();
	test_delays();
	test_retry_after();

	return tap_finish();
}
