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

/* A learnt rate never drops below this many requests per second. */
#define RATE_MIN_PER_SEC		0.5
/* CUBIC's constants (botocore's adaptive mode uses the same ones). */
#define RATE_CUBIC_BETA			0.7
#define RATE_CUBIC_SCALE		0.4
/* The answer meters span this many slots of this many usec. */
#define RATE_METER_SLOTS		10
#define RATE_METER_SLOT_USEC	100000
/*
 * Throttles are sporadic, not a quota, while at most this fraction of
 * RATE_OUTCOMES answers (the last ones; fewer while fewer came) were
 * throttled and something was accepted.  The window is long enough that 3 %
 * of random throttles exceed it rarely (16 of 256: p < 1 %).
 */
#define RATE_SPORADIC_FRACTION	0.06
#define RATE_OUTCOMES			256
/*
 * A quota also shows at once as a run: RATE_RUN_THROTTLES of the last
 * RATE_RUN answers throttled (random 3 % throttles make such a run about
 * once in 10,000 throttles).
 */
#define RATE_RUN				5
#define RATE_RUN_THROTTLES		4
/*
 * After a cut, this many throttles in the next RATE_OUTCOMES answers (no
 * run, no more than RATE_SPORADIC_FRACTION) show throttles that persist at
 * the lower rate: sporadic ones, and the cut is undone.
 */
#define RATE_PERSISTENT_THROTTLES	3
/* With no cut for this long, the rate is unlimited again. */
#define RATE_RECOVERY_USEC		(20 * 1000000ULL)

/*
 * A token bucket: `rate` tokens per second accumulate up to `capacity`;
 * a request takes one.  Any positive rate is kept as it is (a configured
 * limit of 0.01 means one request per 100 s); capacity is at least 1.
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
 *
 * A quota and sporadic throttles are told apart by the fraction of answers
 * throttled, as a loss-tolerant congestion control tells congestion from
 * random loss: past a quota that fraction grows with the overshoot (at
 * twice the quota, half the answers are throttled), while throttles that do
 * not depend on this client's rate (another client of the account, a brief
 * hiccup) stay a small fraction at any rate, and cutting would not reduce
 * them.  So a throttle cuts only when more than RATE_SPORADIC_FRACTION of
 * RATE_OUTCOMES answers were throttled (counted among the last ones), when
 * the last answers are a run of throttles, or when nothing was accepted;
 * otherwise it is only retried.  And a cut that does not stop the
 * throttles (RATE_PERSISTENT_THROTTLES of the next RATE_OUTCOMES answers)
 * was a mistake, and is undone.  A rate near a quota overshoots it
 * by at most that fraction before it is cut.  With no cut for
 * RATE_RECOVERY_USEC the rate is unlimited again (a lifted quota).
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
	uint64_t	outcomes[RATE_OUTCOMES / 64];	/* the last answers, a bit set
												 * for a throttled one */
	uint32_t	noutcomes;		/* answers in it (at most RATE_OUTCOMES) */
	uint32_t	next_outcome;	/* where the next one goes */
	uint32_t	nthrottled;		/* bits set */
} AdaptiveRate;

extern void adaptive_rate_init(AdaptiveRate *adaptive);

/* Requests per second allowed now; 0 while not limiting. */
extern double adaptive_rate_current(const AdaptiveRate *adaptive,
									uint64_t now_usec);

/* Answers not throttled per second, over the last second. */
extern double adaptive_rate_accepted(AdaptiveRate *adaptive,
									 uint64_t now_usec);

/* The fraction of the last RATE_OUTCOMES answers that were throttled. */
extern double adaptive_rate_throttled_fraction(const AdaptiveRate *adaptive);

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

/* Microseconds until the bucket is full again (0: it is full now). */
extern uint64_t rate_bucket_full_in_usec(RateBucket *bucket,
										 uint64_t now_usec);

/*
 * A table of limits that a caller keeps (in shared memory, under its lock):
 * a configured bucket per server, a learnt rate per identity.  The table is
 * fixed in size, and an entry is given up only when that forgets nothing a
 * limit needs:
 *	- a configured bucket never while a scan holds it (refs > 0), and
 *	  otherwise only once it is full again, when it is the same as the full
 *	  bucket a new entry starts with: however often it is given up and made
 *	  again, a server never sends more than its limit allows;
 *	- a learnt rate that is not limiting (the same as a new one) first,
 *	  then the least recently used learnt rate (what it forgets is learnt
 *	  again from the next throttling answer).
 */
typedef enum RateKind
{
	RATE_FREE = 0,
	RATE_CONFIGURED,			/* a server's max_requests_per_second */
	RATE_ADAPTIVE				/* an endpoint and credentials' learnt rate */
} RateKind;

typedef struct RateKey
{
	RateKind	kind;
	uint32_t	dbid;			/* RATE_CONFIGURED: the server's database */
	uint32_t	serverid;		/* and the server */
	uint64_t	identity;		/* RATE_ADAPTIVE: hash of endpoint, region,
								 * access key id */
} RateKey;

typedef struct RateEntry
{
	RateKey		key;
	int32_t		refs;			/* RATE_CONFIGURED: scans holding it */
	uint64_t	used_usec;		/* last use */
	union
	{
		RateBucket	bucket;		/* RATE_CONFIGURED */
		AdaptiveRate adaptive;	/* RATE_ADAPTIVE */
	}			u;
} RateEntry;

/* The entry of key among the n entries, or NULL; marks it used. */
extern RateEntry *rate_table_find(RateEntry *entries, int n,
								  const RateKey *key, uint64_t now_usec);

/*
 * A new entry for key (which must not be there): a free one, or one given
 * up as above; NULL when none may be.  A configured bucket starts full at
 * rate (a burst of one second's worth), a learnt rate unlimited; refs 0.
 */
extern RateEntry *rate_table_enter(RateEntry *entries, int n,
								   const RateKey *key, double rate,
								   uint64_t now_usec);

/*
 * When rate_table_enter found no entry: the microseconds until one may be
 * given up, or UINT64_MAX when every entry is a configured bucket held by
 * a scan (none will be until a scan ends).
 */
extern uint64_t rate_table_wait_usec(RateEntry *entries, int n,
									 uint64_t now_usec);

#endif							/* ATHENA_RATE_LIMITER_H */
