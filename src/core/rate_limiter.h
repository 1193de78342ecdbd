/*
 * rate_limiter.h
 *		How fast requests may be sent: a token bucket for a configured limit,
 *		and an adaptive rate that follows the service's throttling answers.
 *
 * Pure arithmetic on a clock the caller passes in (microseconds of a
 * monotonic clock), so that unit tests drive it with a fake one.  The
 * structs hold no pointers and allocate nothing: they may live in shared
 * memory, where the caller serializes access with a lock.
 */
#ifndef ATHENA_RATE_LIMITER_H
#define ATHENA_RATE_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

/* A rate never drops below this many requests per second. */
#define RATE_MIN_PER_SEC		0.5
/* CUBIC's constants (botocore's adaptive mode uses the same ones). */
#define RATE_CUBIC_BETA			0.7
#define RATE_CUBIC_SCALE		0.4
/* The accepted-answer meter spans this many slots of this many usec. */
#define RATE_METER_SLOTS		10
#define RATE_METER_SLOT_USEC	100000

/*
 * A token bucket: `rate` tokens per second accumulate up to `capacity`;
 * a request takes one.
 */
typedef struct RateBucket
{
	double		rate;			/* tokens per second, > 0 */
	double		capacity;		/* most tokens held, >= 1 */
	double		tokens;			/* as of updated_usec */
	uint64_t	updated_usec;
} RateBucket;

/* Starts full. */
extern void rate_bucket_init(RateBucket *bucket, double rate, double capacity,
							 uint64_t now_usec);

/* Changes rate and capacity; tokens earned so far count at the old rate. */
extern void rate_bucket_set_rate(RateBucket *bucket, double rate,
								 double capacity, uint64_t now_usec);

/* Microseconds until a token is available (0: one is available now). */
extern uint64_t rate_bucket_wait_usec(RateBucket *bucket, uint64_t now_usec);

/* Takes one token, which must be available (rate_bucket_wait_usec is 0). */
extern void rate_bucket_take(RateBucket *bucket, uint64_t now_usec);

/*
 * The sending rate of one endpoint and set of credentials, learnt from its
 * answers.  Unlimited until the first throttling answer; from then on a
 * CUBIC curve (as TCP's congestion window and the AWS SDKs' adaptive retry
 * mode): a throttling answer cuts the rate to RATE_CUBIC_BETA times the
 * rate the service was accepting, and the rate then grows back, fast at
 * first, flat near that rate, and faster again beyond it.
 *
 * The rate the service accepts is measured as the answers that were not
 * throttled over the last second: while the service throttles, its own
 * bucket is empty, and what it lets through is exactly its refill rate.
 * (botocore measures the rate of all answers, throttled ones included,
 * which overestimates the quota by as much as the client overshoots it.)
 * Only a throttled request sent after the last cut cuts the rate again:
 * the requests already in flight were sent at the old rate and tell
 * nothing new, so a burst of them does not divide the rate many times.
 */
typedef struct AdaptiveRate
{
	bool		limiting;		/* a throttling answer was seen */
	double		w_max;			/* accepted rate at the last cut, per s */
	double		k_sec;			/* seconds from the cut back to w_max */
	uint64_t	cut_usec;		/* when the rate was last cut */
	RateBucket	bucket;			/* paces requests while limiting */
	uint64_t	meter_slot;		/* clock / RATE_METER_SLOT_USEC of slot 0 */
	uint32_t	meter[RATE_METER_SLOTS];	/* accepted answers per slot,
											 * newest first */
} AdaptiveRate;

extern void adaptive_rate_init(AdaptiveRate *adaptive);

/* Requests per second allowed now; 0 while not limiting. */
extern double adaptive_rate_current(const AdaptiveRate *adaptive,
									uint64_t now_usec);

/* Answers not throttled per second, over the last second. */
extern double adaptive_rate_accepted(AdaptiveRate *adaptive,
									 uint64_t now_usec);

/*
 * Records the answer to a request sent at sent_usec.  Any answer other than
 * throttling counts as accepted (the request used up quota all the same).
 */
extern void adaptive_rate_on_answer(AdaptiveRate *adaptive, uint64_t now_usec,
									uint64_t sent_usec, bool throttled);

/*
 * Lets one request go, or not: takes a token from the configured bucket
 * and from the adaptive rate's, or from neither.  Either may be NULL.
 * Returns 0 when the request may be sent now, else the microseconds to
 * wait before asking again.
 */
extern uint64_t rate_limit_acquire(RateBucket *configured,
								   AdaptiveRate *adaptive, uint64_t now_usec);

#endif							/* ATHENA_RATE_LIMITER_H */
