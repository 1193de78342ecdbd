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
/* CUBIC's growth constant (botocore's adaptive mode uses the same one). */
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
 * After a cut, this many throttles of requests sent below the measured rate,
 * in a full window of RATE_OUTCOMES answers without a run or more than
 * RATE_SPORADIC_FRACTION: throttles that persist at the lower rate,
 * sporadic ones, and the cut is undone.
 */
#define RATE_PERSISTENT_THROTTLES	3
/*
 * The first cut from unlimited: the service's bucket has just been emptied
 * by a burst, so the rate it accepted so far (the burst included) is far
 * above its refill rate.  The rate is cut to half that while the answers
 * measure the refill rate: from the first throttled answer on, every
 * accepted answer was a token the service refilled.  After
 * RATE_MEASURE_USEC of that the next throttle sets the rate to what was
 * measured, RATE_MEASURED_MARGIN under it.
 */
#define RATE_MEASURE_USEC		100000
#define RATE_MEASURED_MARGIN	0.95
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
 * answers.  Unlimited until the throttling answers say there is a quota;
 * from then on paced just under the quota's rate, measured, and probing
 * above it on a CUBIC curve (as TCP's congestion window and the AWS SDKs'
 * adaptive mode grow), so that a raised or lifted quota is found again.
 *
 * The rule, as a model-based congestion control (BBR's policer detection)
 * reads a token-bucket policer rather than guessing from losses:
 *  - What a quota is: a service bucket that refills at its rate.  While it
 *    throttles, its bucket is empty, so between two throttled answers every
 *    answer it accepted was a token it refilled: accepted / time between
 *    them is its rate.  Measured over at least RATE_MEASURE_USEC (and at
 *    most a second), the rate is set to RATE_MEASURED_MARGIN of that: no
 *    multiplicative cut that then takes seconds to grow back.
 *  - After a burst from unlimited, the first throttles come too soon to
 *    measure: the rate drops to a quarter of what the burst got through,
 *    halving at each throttle until the measurement is ready and doubling
 *    while nothing is throttled, and measures within the burst.  The
 *    measurement holds whatever was sent between its two throttles.
 *  - Sporadic throttles (another client of the account, a hiccup) come at a
 *    small fraction whatever the rate, and slowing down would not reduce
 *    them: a throttle moves the rate only when more than
 *    RATE_SPORADIC_FRACTION of the last RATE_OUTCOMES answers were
 *    throttled, or the last answers are a run of throttles, or the request
 *    was sent above the rate last measured (where the quota was).  A cut
 *    that throttles persist under (RATE_PERSISTENT_THROTTLES of requests
 *    sent below the measured rate, over a full window) is undone.
 *  - Only a throttle of a request sent after the last cut moves the rate:
 *    those in flight were sent at the old rate and tell nothing new.
 *  - With no cut for RATE_RECOVERY_USEC, the rate is unlimited again.
 */
typedef struct AdaptiveRate
{
	bool		limiting;		/* a throttling answer was seen */
	double		w_max;			/* the quota's measured rate (or the probe's),
								 * per s */
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
	uint32_t	low_throttles;	/* since the cut, of requests sent below w_max */
	/* the service's refill rate, measured between two throttled answers */
	bool		measuring;		/* probing after the first cut from unlimited */
	uint64_t	first_sent_usec;	/* of the unlimited run; 0: none yet */
	uint64_t	window_usec;	/* a throttled answer, or 0 */
	uint32_t	window_accepted;	/* accepted answers since then */
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
