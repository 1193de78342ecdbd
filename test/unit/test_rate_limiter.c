/*
 * test_rate_limiter.c
 *		Unit tests of the token bucket and the adaptive rate, on a fake
 *		clock: every number here is exact arithmetic, not a timing.
 *		Prints TAP.
 */
#include "rate_limiter.h"
#include "tap.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define SEC		UINT64_C(1000000)
#define T0		(UINT64_C(1000) * SEC)	/* an arbitrary monotonic reading */

/* Equal but for rounding (times are whole microseconds). */
static bool
near(double a, double b)
{
	return fabs(a - b) <= 1e-6 * fmax(1.0, fabs(b));
}

/* Grants of a bucket to a caller that asks again exactly when told. */
static int
grants_until(RateBucket *b, uint64_t from, uint64_t until)
{
	uint64_t	now = from;
	int			n = 0;

	while (now <= until)
	{
		uint64_t	w = rate_bucket_wait_usec(b, now);

		if (w == 0)
		{
			rate_bucket_take(b, now);
			n++;
		}
		else
			now += w;
	}
	return n;
}

static void
test_bucket(void)
{
	RateBucket	b;
	int			i;
	bool		all = true;

	rate_bucket_init(&b, 40, 40, T0);
	for (i = 0; i < 40; i++)
	{
		all &= rate_bucket_wait_usec(&b, T0) == 0;
		rate_bucket_take(&b, T0);
	}
	ok(all, "a new bucket holds its capacity: 40 requests at once");
	ok(rate_bucket_wait_usec(&b, T0) == 25000,
	   "then the 41st waits 1/40 s: %" PRIu64 " usec",
	   rate_bucket_wait_usec(&b, T0));
	ok(rate_bucket_wait_usec(&b, T0 + 24999) > 0 &&
	   rate_bucket_wait_usec(&b, T0 + 24999) <= 2,
	   "1 usec before the token, a microsecond or two to wait");
	ok(rate_bucket_wait_usec(&b, T0 + 25000) == 0,
	   "the token is there after exactly 25 ms");

	rate_bucket_init(&b, 40, 40, T0);
	i = grants_until(&b, T0, T0 + 10 * SEC);
	ok(i == 440, "10 s of demand at 40/s, burst 40: 440 grants (%d)", i);

	rate_bucket_init(&b, 40, 40, T0);
	rate_bucket_take(&b, T0);
	rate_bucket_wait_usec(&b, T0 + 3600 * SEC);
	ok(near(b.tokens, 40), "an idle hour fills the bucket to capacity, no more");

	rate_bucket_init(&b, 3, 1, T0);
	rate_bucket_take(&b, T0);
	ok(rate_bucket_wait_usec(&b, T0) == 333334,
	   "waits round up to the microsecond (1/3 s: 333334 usec)");

	rate_bucket_init(&b, 10, 10, T0);
	for (i = 0; i < 10; i++)
		rate_bucket_take(&b, T0);
	ok(rate_bucket_wait_usec(&b, T0 - SEC) == 100000 && near(b.tokens, 0),
	   "a clock that went backwards earns no tokens");

	rate_bucket_init(&b, 10, 10, T0);
	for (i = 0; i < 10; i++)
		rate_bucket_take(&b, T0);
	rate_bucket_set_rate(&b, 1, 1, T0 + 50000);
	ok(near(b.tokens, 0.5),
	   "a new rate counts the tokens earned so far at the old one");
	ok(rate_bucket_wait_usec(&b, T0 + 50000) == 500000,
	   "and the rest at the new one");

	rate_bucket_init(&b, 0.01, 0.2, T0);
	ok(near(b.rate, 0.01) && near(b.capacity, 1),
	   "a configured 0.01/s stays 0.01/s (the learnt rate's floor is not "
	   "a bucket's), capacity at least 1");
	rate_bucket_take(&b, T0);
	ok(rate_bucket_wait_usec(&b, T0) == 100 * SEC,
	   "then one request per 100 s");
	rate_bucket_set_rate(&b, 0.001, 1, T0);
	ok(near(b.rate, 0.001), "0.001/s, the option's least, is kept too");
}

static void
test_meter(void)
{
	AdaptiveRate a;
	int			i;

	adaptive_rate_init(&a);
	for (i = 0; i < 30; i++)
		adaptive_rate_on_answer(&a, T0 + i * 30000, T0, false);
	ok(near(adaptive_rate_accepted(&a, T0 + 900000), 30),
	   "30 answers within a second: 30/s accepted");
	ok(near(adaptive_rate_accepted(&a, T0 + 1500000), 10),
	   "at 1.5 s, the 10 of the last second's slots (%.1f/s)",
	   adaptive_rate_accepted(&a, T0 + 1500000));
	ok(near(adaptive_rate_accepted(&a, T0 + 5 * SEC), 0),
	   "seconds later, nothing");
	ok(!a.limiting && adaptive_rate_current(&a, T0 + 5 * SEC) == 0,
	   "accepted answers alone never start limiting");
}

static void
test_adaptive(void)
{
	AdaptiveRate a;
	uint64_t	cut = T0 + 120000;
	uint64_t	measured = cut + RATE_MEASURE_USEC + 3;
	double		probe = 44 / 0.12 / 4;
	double		refill = 4 / ((measured - (cut - 3)) / 1e6);
	double		k = cbrt(refill * (1 - RATE_MEASURED_MARGIN) / RATE_CUBIC_SCALE);
	int			i;
	bool		all = true;

	adaptive_rate_init(&a);
	for (i = 0; i < 1000; i++)
		all &= rate_limit_acquire(NULL, &a, T0) == 0;
	ok(all, "unlimited until throttled: 1000 requests at the same instant");

	/* the mock's burst of 40 at 40/s: 44 accepted in the first 120 ms */
	for (i = 0; i < 44; i++)
		adaptive_rate_on_answer(&a, T0 + 20000 + i * 2000, T0, false);
	for (i = 0; i < 3; i++)
		adaptive_rate_on_answer(&a, cut - 3 + i, cut - 20000, true);
	ok(!a.limiting,
	   "3 throttles after 44 answers: could be sporadic, no cut");
	adaptive_rate_on_answer(&a, cut, cut - 20000, true);
	ok(a.limiting && a.measuring && near(a.w_max, probe),
	   "a 4th in a row is a quota's run: probing at a quarter of the burst's rate (44 in 120 ms: %.2f/s)",
	   probe);
	ok(rate_limit_acquire(NULL, &a, cut) == 10910,
	   "no token is left: the next request waits 1/%.2f s (%" PRIu64 " usec)",
	   probe, rate_limit_acquire(NULL, &a, cut));

	for (i = 0; i < 7; i++)
		adaptive_rate_on_answer(&a, cut + 1000 * i, cut - 1, true);
	ok(a.cut_usec == cut && a.measuring,
	   "throttles of requests sent before the cut do not cut again");

	/* the probe: 4 accepted, then throttles, within the first 100 ms */
	for (i = 0; i < 4; i++)
		adaptive_rate_on_answer(&a, cut + 30000 + i * 10000, cut + 10000, false);
	adaptive_rate_on_answer(&a, cut + 90000, cut + 70000, true);
	ok(a.cut_usec == cut + 90000 && a.measuring && near(a.w_max, probe / 2),
	   "a throttle 90 ms into the probe is too soon to measure: the probe halves (%.2f/s)",
	   a.w_max);
	adaptive_rate_on_answer(&a, cut + 95000, cut + 85000, true);
	ok(a.cut_usec == cut + 90000,
	   "and a throttle of a request sent before that changes nothing");
	adaptive_rate_on_answer(&a, measured, cut + 95000, true);
	ok(!a.measuring && a.cut_usec == measured && near(a.w_max, refill) &&
	   near(adaptive_rate_current(&a, measured),
			refill * RATE_MEASURED_MARGIN),
	   "100 ms after the first throttle: 4 accepted since, the refill rate is %.2f/s; the rate %.2f x that",
	   refill, RATE_MEASURED_MARGIN);

	ok(near(adaptive_rate_current(&a, measured + (uint64_t) (k * SEC)), refill),
	   "CUBIC: back at w_max after k = %.3f s", k);
	ok(near(adaptive_rate_current(&a, measured + (uint64_t) (k * SEC) + SEC),
			refill + RATE_CUBIC_SCALE),
	   "and %.1f/s above it one second later", RATE_CUBIC_SCALE);
	{
		double		prev = 0;
		bool		rising = true;

		for (i = 0; i <= 100; i++)
		{
			double		r = adaptive_rate_current(&a, measured + i * 100000);

			rising &= r > prev;
			prev = r;
		}
		ok(rising, "the rate rises steadily over the 10 s after a cut");
	}

	/* later: a throttle below w_max is sporadic; above it, the quota's */
	{
		uint64_t	t = measured + SEC;
		uint64_t	above = measured + (uint64_t) ((k + 1) * SEC);

		for (i = 0; i < 36; i++)
			adaptive_rate_on_answer(&a, t - 800000 + i * 20000, measured, false);
		adaptive_rate_on_answer(&a, t, t - 20000, true);
		ok(a.cut_usec == measured,
		   "one throttle of a request sent below the measured rate: the rate is kept");
		adaptive_rate_on_answer(&a, above, above - 20000, true);
		ok(a.cut_usec == measured,
		   "a throttle above it starts a measurement (the last one was %.1f s before)",
		   (above - t) / 1e6);
		for (i = 0; i < 3; i++)
			adaptive_rate_on_answer(&a, above + 20000 * (i + 1), above, false);
		adaptive_rate_on_answer(&a, above + 120000, above + 100000, true);
		ok(a.cut_usec == above + 120000 && near(a.w_max, 3 / 0.12),
		   "and the next one, 120 ms later with 3 accepted between, measures the quota again: %.1f/s",
		   a.w_max);
	}

	/* the rate the limiter sends at: count grants */
	{
		AdaptiveRate b;
		uint64_t	now;
		int			n = 0;

		adaptive_rate_init(&b);
		adaptive_rate_on_answer(&b, T0, T0, true);
		ok(near(adaptive_rate_current(&b, T0), RATE_MIN_PER_SEC),
		   "throttled before anything was accepted: %.1f/s",
		   RATE_MIN_PER_SEC);
		ok(rate_limit_acquire(NULL, &b, T0) == 2 * SEC,
		   "so the next request waits 2 s");
		ok(near(adaptive_rate_current(&b, T0 + 5 * SEC),
				RATE_MIN_PER_SEC + RATE_CUBIC_SCALE * 125),
		   "and the rate grows as 0.4 t^3 from there (50.5/s after 5 s)");

		adaptive_rate_init(&b);
		for (i = 0; i < 20; i++)
			adaptive_rate_on_answer(&b, T0 - SEC / 2, T0 - SEC, false);
		for (i = 0; i < 3; i++)
			adaptive_rate_on_answer(&b, T0, T0, true);
		ok(!b.limiting, "20 accepted, 3 throttled: not yet a quota");
		adaptive_rate_on_answer(&b, T0, T0, true);
		now = T0;
		while (now < T0 + SEC)
		{
			uint64_t	w = rate_limit_acquire(NULL, &b, now);

			if (w == 0)
				n++;
			else
				now += w;
		}
		ok(n == 5,
		   "20 accepted over a second, then 4 throttles in a row: a probe at a quarter, 5 grants in the next second (%d)",
		   n);

		/* a probe under the quota never throttles: it speeds up */
		adaptive_rate_on_answer(&b, T0 + 2 * RATE_MEASURE_USEC,
								T0 + RATE_MEASURE_USEC, false);
		ok(b.measuring && near(b.w_max, 10),
		   "a probe whose requests are all accepted for 200 ms doubles: %.1f/s",
		   b.w_max);
	}
}

static void
test_combined(void)
{
	RateBucket	c;
	AdaptiveRate a;

	rate_bucket_init(&c, 2, 1, T0);
	adaptive_rate_init(&a);
	adaptive_rate_on_answer(&a, T0, T0, true);
	a.bucket.tokens = 1;		/* the adaptive side has one to give */
	rate_bucket_take(&c, T0);	/* the configured side has none */
	ok(rate_limit_acquire(&c, &a, T0) == 500000 && near(a.bucket.tokens, 1),
	   "configured bucket empty: wait 0.5 s, the adaptive token stays");
	ok(rate_limit_acquire(&c, &a, T0 + 500000) == 0 &&
	   near(a.bucket.tokens, 0) && near(c.tokens, 0),
	   "then both give one at once");
	ok(rate_limit_acquire(&c, NULL, T0 + 500000) == 500000,
	   "a configured bucket alone paces too");
}

/* What one run against a quota on the fake clock came to. */
typedef struct QuotaRun
{
	int			done;
	int			failed;
	int			throttled;
	int			most_throttled; /* of one id */
	double		seconds;		/* until the last answer */
}			QuotaRun;

/*
 * nids ids, 8 in flight, 20 ms per answer, against a service bucket of
 * rate per second with a burst of `burst`, which meters from quota_from on
 * (before that, everything is accepted); 5 retries per id, a throttled id
 * sent again as soon as the limiter lets it, as http_batch.c does.
 * Deterministic, so its outcome is exact.
 */
static QuotaRun
run_quota(int nids, double rate, double burst, uint64_t quota_from)
{
	enum
	{
		MAX_IDS = 2000, SLOTS = 8, RETRIES = 5
	};
	const uint64_t latency = 20000;
	RateBucket	service;
	AdaptiveRate a;
	uint64_t	now = T0;
	uint64_t	busy_until[SLOTS];
	uint64_t	sent_at[SLOTS];
	int			item_of[SLOTS];
	static int	attempts[MAX_IDS];
	static int	throttles[MAX_IDS];
	static int	queue[MAX_IDS * (RETRIES + 1)];
	int			qhead = 0,
				qtail = 0;
	QuotaRun	run;
	int			s;

	memset(&run, 0, sizeof(run));
	rate_bucket_init(&service, rate, burst, T0);
	adaptive_rate_init(&a);
	memset(attempts, 0, sizeof(attempts));
	memset(throttles, 0, sizeof(throttles));
	for (s = 0; s < nids && s < MAX_IDS; s++)
		queue[qtail++] = s;
	for (s = 0; s < SLOTS; s++)
		item_of[s] = -1;

	while (run.done + run.failed < nids)
	{
		uint64_t	next = UINT64_MAX;

		/* answers due now */
		for (s = 0; s < SLOTS; s++)
		{
			if (item_of[s] >= 0 && busy_until[s] <= now)
			{
				int			item = item_of[s];
				bool		ok;

				if (now < T0 + quota_from)
				{
					ok = true;
					rate_bucket_init(&service, rate, burst, now);
				}
				else if ((ok = rate_bucket_wait_usec(&service, now) == 0))
					rate_bucket_take(&service, now);
				if (ok)
					run.done++;
				else
				{
					run.throttled++;
					if (++throttles[item] > run.most_throttled)
						run.most_throttled = throttles[item];
					if (attempts[item] > RETRIES)
						run.failed++;
					else
						queue[qtail++] = item;
				}
				adaptive_rate_on_answer(&a, now, sent_at[s], !ok);
				item_of[s] = -1;
			}
		}
		/* sends, as the limiter allows */
		for (s = 0; s < SLOTS && qhead < qtail; s++)
		{
			uint64_t	w;

			if (item_of[s] >= 0)
				continue;
			w = rate_limit_acquire(NULL, &a, now);
			if (w > 0)
			{
				next = now + w;
				break;
			}
			item_of[s] = queue[qhead++];
			attempts[item_of[s]]++;
			sent_at[s] = now;
			busy_until[s] = now + latency;
		}
		for (s = 0; s < SLOTS; s++)
			if (item_of[s] >= 0 && busy_until[s] < next)
				next = busy_until[s];
		if (next == UINT64_MAX)
			break;
		now = next;
	}
	run.seconds = (now - T0) / 1e6;
	return run;
}

/*
 * The benchmarks' scenarios: (e) 400 ids against 40/s with a burst of 40,
 * within 1.15 x the floor (400 - 40) / 40 s and throttled answers under
 * 10 % of the ids; (j) 40 ids against a burst of 10, within 1.2 x the
 * floor (40 - 10) / 40 s and at most 2 throttles per id, the quota's rate
 * learnt within the burst; and a quota that appears after a second of
 * unthrottled answers, which must not exhaust any id's retries.
 */
static void
test_against_quota(void)
{
	QuotaRun	e = run_quota(400, 40, 40, 0);
	QuotaRun	j = run_quota(40, 40, 10, 0);
	QuotaRun	late = run_quota(2000, 40, 40, SEC);

	diag("fake clock: %d ok, %d failed, %d throttled, last answer after %.3f s",
		 e.done, e.failed, e.throttled, e.seconds);
	ok(e.done == 400 && e.failed == 0,
	   "400 ids under a 40/s quota: all succeed within 5 retries");
	ok(e.throttled <= 400 / 10, "throttled answers <= 10 %% of the ids (%d)",
	   e.throttled);
	ok(e.seconds <= 1.15 * 9,
	   "last answer within 1.15 x the floor of 9 s (%.3f s)", e.seconds);

	ok(j.done == 40 && j.failed == 0 && j.most_throttled <= 2,
	   "40 ids against a burst of 10: all succeed, at most 2 throttles per id (%d, %d in all)",
	   j.most_throttled, j.throttled);
	ok(j.seconds <= 1.2 * 0.75,
	   "last answer within 1.2 x the floor of 0.75 s (%.3f s)", j.seconds);

	ok(late.done == 2000 && late.failed == 0 && late.most_throttled <= 2,
	   "a quota met after a second unthrottled: all 2000 succeed, at most 2 throttles per id (%d, %d in all)",
	   late.most_throttled, late.throttled);
}

/*
 * Sporadic throttles: 8 requests in flight, 5 ms per answer, and 3 % of the
 * answers throttled at random (a deterministic generator), whatever the
 * rate: as many requests must go through in 15 s as without throttles,
 * less the retries, since cutting the rate would not reduce them.
 */
static int
run_sporadic(int permille, int *throttled_out, bool *limited)
{
	enum
	{
		SLOTS = 8
	};
	const uint64_t latency = 5000;
	AdaptiveRate a;
	uint64_t	now = T0;
	uint64_t	busy_until[SLOTS];
	uint64_t	sent_at[SLOTS];
	bool		busy[SLOTS];
	uint32_t	random = 12345;
	int			done = 0,
				throttled = 0;
	int			s;

	adaptive_rate_init(&a);
	memset(busy, 0, sizeof(busy));
	*limited = false;
	while (now < T0 + 15 * SEC)
	{
		uint64_t	next = UINT64_MAX;

		for (s = 0; s < SLOTS; s++)
		{
			if (busy[s] && busy_until[s] <= now)
			{
				bool		hit;

				random ^= random << 13; /* xorshift32 */
				random ^= random >> 17;
				random ^= random << 5;
				hit = (int) (random % 1000) < permille;
				if (hit)
					throttled++;
				else
					done++;
				adaptive_rate_on_answer(&a, now, sent_at[s], hit);
				*limited |= a.limiting;
				busy[s] = false;
			}
		}
		for (s = 0; s < SLOTS; s++)
		{
			uint64_t	w;

			if (busy[s])
				continue;
			w = rate_limit_acquire(NULL, &a, now);
			if (w > 0)
			{
				next = now + w;
				break;
			}
			busy[s] = true;
			sent_at[s] = now;
			busy_until[s] = now + latency;
		}
		for (s = 0; s < SLOTS; s++)
			if (busy[s] && busy_until[s] < next)
				next = busy_until[s];
		now = next;
	}
	*throttled_out = throttled;
	return done;
}

static void
test_sporadic(void)
{
	int			throttled;
	bool		limited;
	int			clean = run_sporadic(0, &throttled, &limited);
	int			sporadic = run_sporadic(30, &throttled, &limited);

	diag("fake clock, 15 s: %d answers unthrottled; %d with 3 %% sporadic throttles (%d throttled)",
		 clean, sporadic, throttled);
	ok(sporadic >= 0.9 * clean,
	   "3 %% random throttles: %.2f x the unthrottled answers (a cut that does not stop them is undone)",
	   (double) sporadic / clean);
	sporadic = run_sporadic(300, &throttled, &limited);
	ok(limited,
	   "30 %% throttled: that is no longer sporadic, the rate is cut");
}

/* A quota lifted: 20 s without a cut and the rate is unlimited again. */
static void
test_recovery(void)
{
	AdaptiveRate a;
	int			i;
	bool		all = true;

	adaptive_rate_init(&a);
	adaptive_rate_on_answer(&a, T0, T0, true);
	ok(a.limiting && rate_limit_acquire(NULL, &a, T0 + 19 * SEC) == 0 &&
	   a.limiting, "a cut rate is still limiting 19 s later");
	for (i = 0; i < 1000; i++)
		all &= rate_limit_acquire(NULL, &a, T0 + 20 * SEC) == 0;
	ok(all && !a.limiting && adaptive_rate_current(&a, T0 + 20 * SEC) == 0,
	   "20 s after the last cut: unlimited again (1000 requests at once)");
	adaptive_rate_on_answer(&a, T0 + 21 * SEC, T0 + 21 * SEC, true);
	ok(a.limiting && a.cut_usec == T0 + 21 * SEC,
	   "a new quota is learnt afresh");
}

static RateKey
server_key(int server)
{
	RateKey		key;

	memset(&key, 0, sizeof(key));
	key.kind = RATE_CONFIGURED;
	key.dbid = 5;
	key.serverid = 16384 + server;
	return key;
}

static RateKey
identity_key(uint64_t identity)
{
	RateKey		key;

	memset(&key, 0, sizeof(key));
	key.kind = RATE_ADAPTIVE;
	key.identity = identity;
	return key;
}

/* What a scan's start does (rate_limit.c): the entry of key, made if need be. */
static RateEntry *
hold(RateEntry *t, int n, int server, double rate, uint64_t now)
{
	RateKey		key = server_key(server);
	RateEntry  *e = rate_table_find(t, n, &key, now);

	if (e == NULL)
		e = rate_table_enter(t, n, &key, rate, now);
	if (e != NULL)
		e->refs++;
	return e;
}

/*
 * The reproduction of issue 16, made small: 4 entries, 6 servers limited to
 * 1 request per second, used in turn by one client that sends one request
 * per scan and waits as long as it is told (as rate_limit.c does), for 5 s
 * of a fake clock.  A table that gave up the least recently used bucket and
 * made it again full let every scan send at once.
 */
static void
test_table_rotation(void)
{
#define NSERVERS 6
#define NENTRIES 4
	RateEntry	t[NENTRIES];
	int			sent[NSERVERS] = {0};
	int			waits = 0;
	uint64_t	now = T0;
	int			s = 0;
	bool		bounded = true;
	bool		all_sent = true;
	bool		finite = true;
	RateKey		ident = identity_key(42);

	memset(t, 0, sizeof(t));
	while (now < T0 + 5 * SEC)
	{
		RateEntry  *e = hold(t, NENTRIES, s, 1.0, now);
		RateEntry  *a;
		uint64_t	w;

		if (e == NULL)
		{
			w = rate_table_wait_usec(t, NENTRIES, now);
			finite &= w != UINT64_MAX && w > 0;
			if (w == UINT64_MAX)
				break;
			now += w;
			waits++;
			continue;
		}
		for (;;)
		{
			a = rate_table_find(t, NENTRIES, &ident, now);
			if (a == NULL)
				a = rate_table_enter(t, NENTRIES, &ident, 0, now);
			w = rate_limit_acquire(&e->u.bucket, a ? &a->u.adaptive : NULL,
								   now);
			if (w == 0)
				break;
			now += w;
		}
		sent[s]++;
		e->refs--;
		s = (s + 1) % NSERVERS;
	}
	for (s = 0; s < NSERVERS; s++)
	{
		/* a bucket of 1/s, burst 1: at most 1 + 5 in 5 s */
		bounded &= sent[s] <= 6;
		all_sent &= sent[s] >= 3;
	}
	diag("sent per server in 5 s: %d %d %d %d %d %d; %d waits for an entry",
		 sent[0], sent[1], sent[2], sent[3], sent[4], sent[5], waits);
	ok(bounded, "6 servers at 1/s over 4 entries: none sends more than 1 + 5 in 5 s");
	ok(all_sent, "every one of them takes its turn (at least 3 each)");
	ok(finite && waits > 0, "a scan that finds no entry waits a finite time");
}

static void
test_table_rules(void)
{
	RateEntry	t[2];
	RateEntry  *a;
	RateEntry  *b;
	RateKey		k3 = server_key(3);
	RateKey		i1 = identity_key(1);
	RateKey		i2 = identity_key(2);

	memset(t, 0, sizeof(t));
	a = hold(t, 2, 1, 1.0, T0);
	b = hold(t, 2, 2, 1.0, T0);
	ok(a != NULL && b != NULL && a != b, "two servers, two entries");
	ok(a->u.bucket.tokens == 1.0 && a->u.bucket.capacity == 1.0,
	   "a new bucket starts full: one second's worth");
	ok(rate_table_enter(t, 2, &k3, 1.0, T0 + 3600 * SEC) == NULL &&
	   rate_table_wait_usec(t, 2, T0 + 3600 * SEC) == UINT64_MAX,
	   "both held by scans: no entry for a third server, an hour later too, and no wait ends it");
	ok(rate_table_enter(t, 2, &i1, 0, T0) == NULL,
	   "nor for a learnt rate");

	rate_bucket_take(&a->u.bucket, T0);
	a->refs--;
	ok(rate_table_wait_usec(t, 2, T0) == SEC,
	   "released right after a request: given up once full, in 1 s (%" PRIu64 " usec)",
	   rate_table_wait_usec(t, 2, T0));
	ok(rate_table_enter(t, 2, &k3, 1.0, T0 + SEC - 1) == NULL,
	   "not a microsecond before");
	a = rate_table_enter(t, 2, &k3, 1.0, T0 + SEC);
	ok(a == &t[0] && a->key.serverid == k3.serverid,
	   "then server 3 takes its entry");
	rate_bucket_full_in_usec(&b->u.bucket, T0 + SEC);
	ok(b->key.serverid == server_key(2).serverid && b->refs == 1,
	   "the held one is untouched");

	/* learnt rates: a limiting one goes after one that is not */
	memset(t, 0, sizeof(t));
	a = rate_table_enter(t, 2, &i1, 0, T0);
	adaptive_rate_on_answer(&a->u.adaptive, T0, T0, true);
	b = rate_table_enter(t, 2, &i2, 0, T0 + 1);
	ok(a->u.adaptive.limiting && !b->u.adaptive.limiting,
	   "two learnt rates, one limiting");
	ok(rate_table_enter(t, 2, &k3, 1.0, T0 + 2) == b,
	   "a server's bucket takes the entry of the one not limiting");
	ok(rate_table_enter(t, 2, &i2, 0, T0 + 3) == b,
	   "a full bucket no scan holds goes before a limiting learnt rate");
	b = hold(t, 2, 3, 1.0, T0 + 4);
	ok(b == &t[1] && rate_table_find(t, 2, &i1, T0 + 4) == a &&
	   rate_table_find(t, 2, &i2, T0 + 4) == NULL,
	   "a learnt rate that is not limiting goes before one that is");

	{
		RateBucket	bk;

		rate_bucket_init(&bk, 4, 2, T0);
		ok(rate_bucket_full_in_usec(&bk, T0) == 0, "a new bucket is full");
		rate_bucket_take(&bk, T0);
		rate_bucket_take(&bk, T0);
		ok(rate_bucket_full_in_usec(&bk, T0) == 500000 &&
		   rate_bucket_full_in_usec(&bk, T0 + 250000) == 250000 &&
		   rate_bucket_full_in_usec(&bk, T0 + 500000) == 0,
		   "emptied at 4/s, capacity 2: full again after 0.5 s");
	}
}

int
main(void)
{
	test_bucket();
	test_meter();
	test_adaptive();
	test_combined();
	test_against_quota();
	test_sporadic();
	test_recovery();
	test_table_rotation();
	test_table_rules();
	return tap_finish();
}
