/*
 * http_batch.h
 *		One batch of requests over an HttpClient: sends them with a bounded
 *		number in flight, retries what the caller says is retryable with
 *		backoff, and hands back finished items in the order they complete.
 *
 * Pure C, no PostgreSQL headers.  The caller's callbacks may longjmp
 * (PostgreSQL's CHECK_FOR_INTERRUPTS does): the engine only calls them
 * between libcurl calls, with its state consistent, so that
 * http_batch_end() can always clean up afterwards.
 */
#ifndef ATHENA_HTTP_BATCH_H
#define ATHENA_HTTP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_client.h"

typedef struct HttpBatch HttpBatch;

/*
 * The rate limiter every request of a batch passes (rate_limiter.h), kept
 * by the caller, who may share it between processes behind a lock.
 * acquire: 0 when a request may be sent now (a token was taken), else the
 * microseconds to wait before asking again.  on_answer: the attempt sent at
 * sent_usec got an HTTP answer at now_usec, a throttling one or not.  Both
 * run between libcurl calls and must not longjmp; either may be NULL.
 */
typedef struct HttpRateGate
{
	uint64_t	(*acquire) (void *arg, uint64_t now_usec);
	void		(*on_answer) (void *arg, uint64_t now_usec, uint64_t sent_usec,
							  bool throttled);
	void	   *arg;
} HttpRateGate;

typedef struct HttpOptions
{
	int			max_concurrency;	/* requests in flight at once, >= 1 */
	long		connect_timeout_ms; /* per attempt */
	long		request_timeout_ms; /* whole attempt */
	int			max_retries;	/* retries after the first attempt */
	size_t		max_body_bytes; /* transfer is aborted past this */
	const char *user_agent;
	const char *ca_file;		/* PEM bundle, or NULL for the system store */
	HttpRateGate rate_gate;		/* all zero: no rate limit */
	struct RetryQuota *retry_quota; /* retry_policy.h; NULL: retries unmetered */
} HttpOptions;

/*
 * What one attempt sends.  The engine copies everything before the prepare
 * callback's next call, so the callback may reuse its buffers.
 */
typedef struct HttpRequest
{
	const char *method;			/* "GET", "PUT", or NULL for "POST" */
	const char *url;
	const char *const *headers; /* "Name: value" lines */
	int			nheaders;
	const char *body;			/* POST body */
	size_t		body_len;
	const char *operation;		/* "GetSessionStatus": a string constant,
								 * named to the observer; may be NULL */
} HttpRequest;

typedef enum HttpOutcome
{
	HTTP_RESPONSE,				/* a complete HTTP response (any status) */
	HTTP_NETWORK_ERROR,			/* refused, reset, empty reply */
	HTTP_TIMEOUT,				/* connect or request timeout */
	HTTP_BODY_TOO_LARGE,		/* aborted once past max_body_bytes */
	HTTP_TLS_ERROR,				/* a TLS failure that would recur: certificate
								 * not trusted or for another host, no common
								 * protocol */
	HTTP_UNSAFE_REQUEST			/* not sent: its URL or a header holds a
								 * control character (safe_value.h) */
} HttpOutcome;

/* One finished attempt, and after retries, an item's final result. */
typedef struct HttpResult
{
	int			item;			/* index given to the prepare callback */
	int			attempts;		/* attempts made for this item so far */
	HttpOutcome outcome;
	char		error_text[256];	/* curl's message unless HTTP_RESPONSE */
	long		http_status;	/* 0 unless HTTP_RESPONSE or
								 * HTTP_BODY_TOO_LARGE */
	char	   *body;			/* malloc'd, NUL-terminated; may be "" */
	size_t		body_len;
	char	   *request_id;		/* x-amzn-RequestId header, or NULL */
	char	   *error_type;		/* x-amzn-ErrorType header, or NULL */
	char	   *retry_after;	/* Retry-After header, or NULL */
	bool		retry_quota_empty;	/* a retry was due, the quota said no */
} HttpResult;

typedef struct HttpStats
{
	uint64_t	attempts;		/* requests sent, retries included */
	uint64_t	retries;
	uint64_t	throttled;		/* answers that said to slow down */
	uint64_t	api_usec;		/* wall time from first send to last finish */
	int			peak_in_flight;
} HttpStats;

/*
 * Fills *req for attempt number `attempt` (1-based) of item `item`.  Leaving
 * req->url NULL (e.g. out of memory while signing) fails that attempt as an
 * HTTP_NETWORK_ERROR, which goes through the retry callback like any other.
 */
typedef void (*HttpPrepareFn) (void *arg, int item, int attempt, HttpRequest *req);

/* What a finished attempt calls for. */
typedef enum HttpRetryVerdict
{
	HTTP_RETRY_NO,				/* final: hand the result out */
	HTTP_RETRY_BACKOFF,			/* failed this time: retry after a backoff */
	HTTP_RETRY_THROTTLED		/* slow down: retry when the rate gate lets it */
} HttpRetryVerdict;

/*
 * Judges a finished attempt.  Asked for every attempt but an
 * HTTP_BODY_TOO_LARGE, HTTP_TLS_ERROR or HTTP_UNSAFE_REQUEST one (they
 * would fail the same way again), also when no retry remains,
 * so that the rate gate hears of every throttling answer; a retry verdict
 * only retries while retries remain.
 */
typedef HttpRetryVerdict (*HttpRetryFn) (void *arg, const HttpResult *attempt);

/*
 * Called before each wait, and at least every 50 ms while the client waits
 * with its poll() default; may longjmp.
 */
typedef void (*HttpInterruptFn) (void *arg);

/*
 * Told about every attempt sent, as it finishes (before any retry is
 * decided): the request's operation, the attempt's outcome, and the
 * microseconds from handing it to libcurl to its end.  This is where
 * counters are kept, one place for every operation of every batch.  Must
 * not longjmp.
 */
typedef void (*HttpObserveFn) (void *arg, const char *operation,
							   const HttpResult *attempt, uint64_t usec);

/* Every later attempt of this client's batches goes to observe(arg, ...). */
extern void http_client_observe(HttpClient *client, HttpObserveFn observe,
								void *arg);

extern HttpBatch *http_batch_begin(HttpClient *client, const HttpOptions *options,
								   int nitems, HttpPrepareFn prepare,
								   HttpRetryFn should_retry,
								   HttpInterruptFn check_interrupts, void *arg);

/*
 * Adds n items to the batch, numbered from the returned index on; they are
 * sent after the items added before them.  A batch begun with 0 items is
 * open: it has slots for max_concurrency requests and gets its items this
 * way, as the caller learns what to ask next (the next page of a listing).
 */
extern int	http_batch_add_items(HttpBatch *batch, int n);

/*
 * The next finished item (after its retries), in completion order, or NULL
 * once every item added so far has finished (more may be added then, and
 * http_batch_next called again).  Free it with http_batch_result_free().
 */
extern HttpResult *http_batch_next(HttpBatch *batch);

extern const HttpStats *http_batch_stats(const HttpBatch *batch);

/*
 * Starts no further item: http_batch_next hands out the items already
 * started (retries included), then NULL.
 */
extern void http_batch_stop(HttpBatch *batch);

/*
 * Stops whatever is still in flight and frees the batch.  Safe at any time,
 * including after http_batch_next() was left by a longjmp.
 */
extern void http_batch_end(HttpBatch *batch);

extern void http_batch_result_free(HttpResult *result);

#endif							/* ATHENA_HTTP_BATCH_H */
