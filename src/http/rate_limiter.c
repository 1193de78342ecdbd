/*
 * rate_limiter.c
 *		Token buckets and the adaptive (CUBIC) sending rate.
 *
 * Read with botocore's adaptive retry mode (bucket.py, throttling.py,
 * adaptive.py) and the AIMD ThrottlingInvoker of Athena's federation SDK
 * in mind; the differences, and why, are in rate_limiter.h.
 */
#include "rate_limiter.h"

#include <math.h>
#include <string.h>

#define USEC_PER_SEC 1000000.0
#define SEC_USEC 1000000

/* Brings tokens up to now; a clock that went backwards adds nothing. */
static void
bucket_refill(RateBucket *bucket, uint64_t now_usec)
{
	if (now_usec > bucket->updated_usec)
	{
		double		earned = (now_usec - bucket->updated_usec) / USEC_PER_SEC *
		bucket->rate;

		bucket->tokens = fmin(bucket->capacity, bucket->tokens + earned);
		bucket->updated_usec = now_usec;
	}
}

void
rate_bucket_init(RateBucket *bucket, double rate, double capacity,
				 uint64_t now_usec)
{
	bucket->rate = rate > 0 ? rate : RATE_MIN_PER_SEC;
	bucket->capacity = fmax(capacity, 1.0);
	bucket->tokens = bucket->capacity;
	bucket->updated_usec = now_usec;
}

void
rate_bucket_set_rate(RateBucket *bucket, double rate, double capacity,
					 uint64_t now_usec)
{
	bucket_refill(bucket, now_usec);
	bucket->rate = rate > 0 ? rate : RATE_MIN_PER_SEC;
	bucket->capacity = fmax(capacity, 1.0);
	bucket->tokens = fmin(bucket->tokens, bucket->capacity);
}

uint64_t
rate_bucket_wait_usec(RateBucket *bucket, uint64_t now_usec)
{
	double		usec;

	bucket_refill(bucket, now_usec);
	if (bucket->tokens >= 1.0)
		return 0;
	/* at least 1: "0" would mean "go now" to a caller that asked too early */
	usec = ceil((1.0 - bucket->tokens) / bucket->rate * USEC_PER_SEC);
	return usec < 1.0 ? 1 : (uint64_t) usec;
}

void
rate_bucket_take(RateBucket *bucket, uint64_t now_usec)
{
	bucket_refill(bucket, now_usec);
	bucket->tokens -= 1.0;
}

uint64_t
rate_bucket_full_in_usec(RateBucket *bucket, uint64_t now_usec)
{
	double		usec;

	bucket_refill(bucket, now_usec);
	if (bucket->tokens >= bucket->capacity)
		return 0;
	usec = ceil((bucket->capacity - bucket->tokens) / bucket->rate *
				USEC_PER_SEC);
	return usec < 1.0 ? 1 : (uint64_t) usec;
}

void
adaptive_rate_init(AdaptiveRate *adaptive)
{
	memset(adaptive, 0, sizeof(*adaptive));
}

double
adaptive_rate_current(const AdaptiveRate *adaptive, uint64_t now_usec)
{
	double		t;
	double		rate;

	if (!adaptive->limiting ||
		(now_usec > adaptive->cut_usec &&
		 now_usec - adaptive->cut_usec >= RATE_RECOVERY_USEC))
		return 0.0;
	t = now_usec > adaptive->cut_usec ?
		(now_usec - adaptive->cut_usec) / USEC_PER_SEC : 0.0;
	rate = RATE_CUBIC_SCALE * pow(t - adaptive->k_sec, 3) + adaptive->w_max;
	return fmax(rate, RATE_MIN_PER_SEC);
}

/* Moves the meter's window so that slot 0 is the slot of now. */
static void
meter_advance(AdaptiveRate *adaptive, uint64_t now_usec)
{
	uint64_t	slot = now_usec / RATE_METER_SLOT_USEC;
	uint64_t	shift;

	if (slot <= adaptive->meter_slot)
		return;					/* same slot, or a clock that went back */
	shift = slot - adaptive->meter_slot;
	if (shift >= RATE_METER_SLOTS)
		memset(adaptive->meter, 0, sizeof(adaptive->meter));
	else
	{
		memmove(adaptive->meter + shift, adaptive->meter,
				(RATE_METER_SLOTS - shift) * sizeof(adaptive->meter[0]));
		memset(adaptive->meter, 0, shift * sizeof(adaptive->meter[0]));
	}
	adaptive->meter_slot = slot;
}

/* Remembers one answer's outcome among the last RATE_OUTCOMES. */
static void
record_outcome(AdaptiveRate *adaptive, bool throttled)
{
	uint32_t	i = adaptive->next_outcome;
	uint64_t	bit = UINT64_C(1) << (i % 64);
	uint64_t   *word = &adaptive->outcomes[i / 64];

	if (adaptive->noutcomes == RATE_OUTCOMES && (*word & bit))
		adaptive->nthrottled--;
	*word &= ~bit;
	if (throttled)
	{
		*word |= bit;
		adaptive->nthrottled++;
	}
	if (adaptive->noutcomes < RATE_OUTCOMES)
		adaptive->noutcomes++;
	adaptive->next_outcome = (i + 1) % RATE_OUTCOMES;
}

double
adaptive_rate_accepted(AdaptiveRate *adaptive, uint64_t now_usec)
{
	uint64_t	sum = 0;
	int			i;

	meter_advance(adaptive, now_usec);
	for (i = 0; i < RATE_METER_SLOTS; i++)
		sum += adaptive->meter[i];
	return sum / (RATE_METER_SLOTS * RATE_METER_SLOT_USEC / USEC_PER_SEC);
}

double
adaptive_rate_throttled_fraction(const AdaptiveRate *adaptive)
{
	return adaptive->noutcomes > 0 ?
		(double) adaptive->nthrottled / adaptive->noutcomes : 0.0;
}

/* How many of the last n answers were throttled. */
static int
recent_throttles(const AdaptiveRate *adaptive, uint32_t n)
{
	int			count = 0;
	uint32_t	k;

	for (k = 1; k <= n && k <= adaptive->noutcomes; k++)
	{
		uint32_t	i = (adaptive->next_outcome + RATE_OUTCOMES - k) %
		RATE_OUTCOMES;

		count += (adaptive->outcomes[i / 64] >> (i % 64)) & 1;
	}
	return count;
}

/* Whether the last answers say the throttles are not a quota's. */
static bool
throttles_are_sporadic(const AdaptiveRate *adaptive)
{
	bool		accepted_any = adaptive->nthrottled < adaptive->noutcomes;

	return accepted_any &&
		adaptive->nthrottled <= RATE_SPORADIC_FRACTION * RATE_OUTCOMES &&
		recent_throttles(adaptive, RATE_RUN) < RATE_RUN_THROTTLES;
}

/* Back to unlimited: what the last cuts measured is forgotten. */
static void
stop_limiting(AdaptiveRate *adaptive)
{
	adaptive->limiting = false;
	adaptive->measuring = false;
	adaptive->first_sent_usec = 0;
	adaptive->window_usec = 0;
	adaptive->window_accepted = 0;
}

/* Sets the rate to rate, and the CUBIC curve back to w_max from there. */
static void
set_rate(AdaptiveRate *adaptive, uint64_t now_usec, double rate, double w_max)
{
	rate = fmax(rate, RATE_MIN_PER_SEC);
	w_max = fmax(w_max, rate);
	adaptive->w_max = w_max;
	adaptive->k_sec = cbrt((w_max - rate) / RATE_CUBIC_SCALE);
	adaptive->cut_usec = now_usec;

	/*
	 * The service's bucket is empty now: a token saved up on our side would
	 * only buy another throttling answer.
	 */
	if (adaptive->limiting)
		rate_bucket_set_rate(&adaptive->bucket, rate, rate, now_usec);
	else
		rate_bucket_init(&adaptive->bucket, rate, rate, now_usec);
	adaptive->bucket.tokens = 0.0;
	adaptive->limiting = true;

	/* the evidence is used up: the next cut needs answers to the new rate */
	memset(adaptive->outcomes, 0, sizeof(adaptive->outcomes));
	adaptive->noutcomes = 0;
	adaptive->next_outcome = 0;
	adaptive->nthrottled = 0;
	adaptive->low_throttles = 0;
}

/*
 * The service's refill rate, from the accepted answers between the last
 * throttled answer and this one: at both its bucket was empty, so each
 * answer it accepted in between was a token it refilled.  0 when the two
 * are too close to tell (fewer than RATE_MEASURE_USEC apart) or too far to
 * be sure the bucket stayed empty (over a second).  Starts the next
 * measurement at this answer, unless it is too soon.
 */
static double
measure_refill(AdaptiveRate *adaptive, uint64_t now_usec)
{
	uint64_t	span = adaptive->window_usec != 0 ?
	now_usec - adaptive->window_usec : UINT64_MAX;
	double		rate = 0.0;

	if (span < RATE_MEASURE_USEC)
		return 0.0;
	if (span <= SEC_USEC)
		rate = adaptive->window_accepted / (span / USEC_PER_SEC);
	adaptive->window_usec = now_usec;
	adaptive->window_accepted = 0;
	return rate;
}

void
adaptive_rate_on_answer(AdaptiveRate *adaptive, uint64_t now_usec,
						uint64_t sent_usec, bool throttled)
{
	double		refill;

	record_outcome(adaptive, throttled);

	/* a quota lifted long ago: what it taught is forgotten */
	if (adaptive->limiting && adaptive_rate_current(adaptive, now_usec) == 0)
		stop_limiting(adaptive);

	/*
	 * A full window of answers since the cut, and throttles among them of
	 * requests sent at the lower rate, before it grew back to where it was
	 * cut from: they do not follow the rate, so they are not a quota's (under
	 * one, a cut rate is throttled not at all until it grows back to the
	 * quota).  Undo the cut.
	 */
	if (throttled && adaptive->limiting && !adaptive->measuring &&
		sent_usec >= adaptive->cut_usec &&
		adaptive_rate_current(adaptive, sent_usec) < adaptive->w_max)
		adaptive->low_throttles++;
	if (adaptive->limiting && !adaptive->measuring &&
		adaptive->noutcomes == RATE_OUTCOMES &&
		adaptive->low_throttles >= RATE_PERSISTENT_THROTTLES &&
		throttles_are_sporadic(adaptive))
		stop_limiting(adaptive);

	if (adaptive->first_sent_usec == 0)
		adaptive->first_sent_usec = sent_usec;

	if (!throttled)
	{
		if (adaptive->window_usec != 0)
			adaptive->window_accepted++;

		/*
		 * Probing, and everything sent since the probe began accepted: the
		 * probe is under the quota and cannot measure it.  Twice as fast.
		 */
		if (adaptive->measuring && sent_usec >= adaptive->cut_usec &&
			adaptive->window_usec <= adaptive->cut_usec &&
			now_usec - adaptive->cut_usec >= 2 * RATE_MEASURE_USEC)
		{
			double		probe = adaptive->w_max * 2;

			set_rate(adaptive, now_usec, probe, probe);
			adaptive->measuring = true;
		}
		meter_advance(adaptive, now_usec);
		if (adaptive->meter[0] < UINT32_MAX)
			adaptive->meter[0]++;
		return;
	}

	refill = measure_refill(adaptive, now_usec);

	/* sent at the rate already cut: this answer tells nothing new */
	if (adaptive->limiting && sent_usec < adaptive->cut_usec)
		return;

	/*
	 * A small fraction at any rate: cutting would not reduce them.  But a
	 * throttle of a request sent above the rate last measured is the quota's,
	 * however few there are: that is where it was.
	 */
	if (!adaptive->measuring && throttles_are_sporadic(adaptive) &&
		!(adaptive->limiting &&
		  adaptive_rate_current(adaptive, sent_usec) > adaptive->w_max))
		return;

	if (refill > 0)
	{
		/* a quota, and its rate: send just under it */
		adaptive->measuring = false;
		set_rate(adaptive, now_usec, refill * RATE_MEASURED_MARGIN, refill);
	}
	else if (adaptive->measuring)
	{
		/*
		 * Too soon to measure, and the probe still throttles: half as fast
		 * (with answers that come in a millisecond, a throttled id would use
		 * up its retries before the measurement).  What the service accepts
		 * between two throttled answers measures its rate however fast the
		 * probe went in between.
		 */
		double		probe = adaptive->w_max / 2;

		set_rate(adaptive, now_usec, probe, probe);
		adaptive->measuring = true;
	}
	else if (!adaptive->limiting)
	{
		/*
		 * The first cut, too soon to have measured: what was accepted so far
		 * came out of the service's full bucket.  A quarter of that rate
		 * still throttles (if not, the probe speeds up), and measures.
		 */
		uint64_t	span = now_usec - adaptive->first_sent_usec;
		double		burst = adaptive_rate_accepted(adaptive, now_usec);

		if (span < SEC_USEC)
			burst *= (double) SEC_USEC / fmax(span, RATE_METER_SLOT_USEC / 10);
		set_rate(adaptive, now_usec, burst / 4, burst / 4);
		adaptive->measuring = true;
	}
}

uint64_t
rate_limit_acquire(RateBucket *configured, AdaptiveRate *adaptive,
				   uint64_t now_usec)
{
	uint64_t	wait = 0;
	RateBucket *paced = NULL;

	/* a quota lifted long ago: unlimited again */
	if (adaptive != NULL && adaptive->limiting &&
		adaptive_rate_current(adaptive, now_usec) == 0)
		stop_limiting(adaptive);
	if (adaptive != NULL && adaptive->limiting)
	{
		double		rate = adaptive_rate_current(adaptive, now_usec);

		/* up to a second's worth of tokens, as botocore allows */
		paced = &adaptive->bucket;
		rate_bucket_set_rate(paced, rate, rate, now_usec);
		wait = rate_bucket_wait_usec(paced, now_usec);
	}
	if (configured != NULL)
	{
		uint64_t	w = rate_bucket_wait_usec(configured, now_usec);

		if (w > wait)
			wait = w;
	}
	if (wait > 0)
		return wait;			/* take from neither */
	if (paced != NULL)
		rate_bucket_take(paced, now_usec);
	if (configured != NULL)
		rate_bucket_take(configured, now_usec);
	return 0;
}

/* ---- the table of limits ---- */

static bool
same_key(const RateKey *a, const RateKey *b)
{
	return a->kind == b->kind && a->dbid == b->dbid &&
		a->serverid == b->serverid && a->identity == b->identity;
}

/*
 * How readily an entry is given up: 3 free, 2 the same as a new one, 1 a
 * limiting learnt rate, 0 never (a configured bucket held, or not full).
 */
static int
give_up_rank(RateEntry *e, uint64_t now_usec)
{
	switch (e->key.kind)
	{
		case RATE_FREE:
			return 3;
		case RATE_CONFIGURED:
			if (e->refs > 0 || rate_bucket_full_in_usec(&e->u.bucket,
														now_usec) > 0)
				return 0;
			return 2;
		case RATE_ADAPTIVE:
			return e->u.adaptive.limiting ? 1 : 2;
	}
	return 0;
}

RateEntry *
rate_table_find(RateEntry *entries, int n, const RateKey *key,
				uint64_t now_usec)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (entries[i].key.kind != RATE_FREE &&
			same_key(&entries[i].key, key))
		{
			entries[i].used_usec = now_usec;
			return &entries[i];
		}
	}
	return NULL;
}

RateEntry *
rate_table_enter(RateEntry *entries, int n, const RateKey *key, double rate,
				 uint64_t now_usec)
{
	RateEntry  *victim = NULL;
	int			victim_rank = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		int			rank = give_up_rank(&entries[i], now_usec);

		/* the best rank; within it, the least recently used */
		if (rank > victim_rank ||
			(rank > 0 && rank == victim_rank &&
			 entries[i].used_usec < victim->used_usec))
		{
			victim = &entries[i];
			victim_rank = rank;
		}
	}
	if (victim == NULL)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->key = *key;
	victim->used_usec = now_usec;
	if (key->kind == RATE_CONFIGURED)
		rate_bucket_init(&victim->u.bucket, rate, rate, now_usec);
	else
		adaptive_rate_init(&victim->u.adaptive);
	return victim;
}

uint64_t
rate_table_wait_usec(RateEntry *entries, int n, uint64_t now_usec)
{
	uint64_t	wait = UINT64_MAX;
	int			i;

	for (i = 0; i < n; i++)
	{
		RateEntry  *e = &entries[i];
		uint64_t	w;

		if (e->key.kind != RATE_CONFIGURED)
			return 0;			/* rate_table_enter would have taken it */
		if (e->refs > 0)
			continue;
		w = rate_bucket_full_in_usec(&e->u.bucket, now_usec);
		if (w < wait)
			wait = w;
	}
	return wait;
}
