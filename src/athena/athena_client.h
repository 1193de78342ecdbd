/*
 * athena_client.h
 *		Signed Athena calls, many at once: each call is signed afresh per
 *		attempt, sent through one open HTTP batch, and comes back as a 200
 *		body or a classified failure.  sessions.h builds the scans of
 *		the foreign table on top.
 *
 * Pure C, no PostgreSQL headers: the FDW's executor, the benchmarks and the
 * tests all use this same client.
 */
#ifndef ATHENA_CLIENT_H
#define ATHENA_CLIENT_H

#include <time.h>

#include "athena_operations.h"
#include "athena_shapes.h"
#include "aws_error.h"
#include "endpoint.h"
#include "http_batch.h"

#define ATHENA_FDW_VERSION "1.1.0"
#define ATHENA_USER_AGENT "athena_fdw/" ATHENA_FDW_VERSION
#define ATHENA_MAX_BODY_BYTES (1024 * 1024)

/* Secrets live here and nowhere else; never format them into a message. */
typedef struct AthenaCredentials
{
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL for long-term keys */
	time_t		renew_at;		/* read them anew from then; 0: never */
} AthenaCredentials;

/*
 * Asked once per set of calls when AWS answers ExpiredToken: fills *fresh
 * with new credentials (valid until the calls end) and returns true, or
 * returns false when there is nothing to renew (long-term keys).  May
 * longjmp.
 */
typedef bool (*AthenaRenewFn) (void *arg, AthenaCredentials *fresh);

typedef struct AthenaClientConfig
{
	const Endpoint *endpoint;	/* endpoint_parse of the endpoint option */
	const char *region;
	AthenaCredentials credentials;
	AthenaRenewFn renew_credentials;	/* or NULL */
	void	   *renew_arg;
	HttpOptions http;
} AthenaClientConfig;

typedef enum AthenaFailureKind
{
	ATHENA_FAIL_AWS,			/* the service answered with an error */
	ATHENA_FAIL_NETWORK,		/* no usable answer: refused, reset, timeout */
	ATHENA_FAIL_BAD_RESPONSE,	/* an answer we refuse: malformed, too large,
								 * a redirect */
	ATHENA_FAIL_OUT_OF_MEMORY	/* memory ran out while handling a call */
} AthenaFailureKind;

typedef struct AthenaFailure
{
	AthenaFailureKind kind;
	AthenaOperation op;			/* the call that failed */
	AwsError	error;			/* type, message, http_status, request_id */
	int			attempts;		/* attempts made for the failing call */
	bool		retry_quota_empty;	/* a retry was due, the quota said no */
} AthenaFailure;

/* Calls and retries per operation, and wall time spent waiting on them. */
typedef struct AthenaCallStats
{
	uint64_t	calls[ATHENA_NUM_OPERATIONS];	/* requests sent, retries
												 * included */
	uint64_t	retries[ATHENA_NUM_OPERATIONS];
	uint64_t	attempts;		/* requests sent, over all operations */
	uint64_t	retries_total;
	uint64_t	throttled;		/* answers that said to slow down */
	uint64_t	api_usec;
	int			peak_in_flight;
} AthenaCallStats;

/*
 * Fills *args (zeroed) with the inputs of a call, for each attempt; the
 * client builds the body from them with the operation's builder.  A body
 * that cannot be built (out of memory) fails the attempt.
 */
typedef void (*AthenaArgsFn) (void *arg, AthenaOperation op, void *tag,
							  AthenaRequestArgs *args);

typedef struct AthenaCalls AthenaCalls;

/*
 * Starts a set of calls.  expected_calls is how many will be added when
 * that is known (ids to look up), else 0: the set then has room for
 * max_concurrency calls in flight and grows as calls are added.  Everything
 * in config is copied.  NULL only when memory ran out: a config that can
 * fail (the endpoint) was parsed and checked before.
 */
extern AthenaCalls *athena_calls_begin(HttpClient *client,
									   const AthenaClientConfig *config,
									   int expected_calls,
									   AthenaArgsFn args, void *args_arg,
									   HttpInterruptFn check_interrupts,
									   void *interrupt_arg);

/*
 * Queues a call of op; tag is handed back with its reply.  Calls are sent
 * in the order added, max_concurrency at a time.  False on out of memory.
 */
extern bool athena_calls_add(AthenaCalls *calls, AthenaOperation op, void *tag);

/* A finished call: a 200 body, or a failure. */
typedef struct AthenaReply
{
	AthenaOperation op;
	void	   *tag;
	bool		ok;
	const char *body;			/* when ok: the response, NUL-terminated */
	size_t		body_len;
	AthenaFailure failure;		/* when !ok; the caller owns failure.error */
	HttpResult *result;			/* what athena_reply_release frees */
} AthenaReply;

/*
 * The next finished call (after its retries), in completion order; false
 * once no call is pending.  Release each reply with athena_reply_release.
 */
extern bool athena_calls_next(AthenaCalls *calls, AthenaReply *reply);
extern void athena_reply_release(AthenaReply *reply);

/*
 * Turns an ok reply whose body could not be used into a failure
 * (ATHENA_FAIL_BAD_RESPONSE, type "MalformedResponse", message reason).
 */
extern void athena_reply_malformed(AthenaReply *reply, const char *reason);

/* Turns a reply into an ATHENA_FAIL_OUT_OF_MEMORY failure. */
extern void athena_reply_out_of_memory(AthenaReply *reply);

/*
 * Sends no further call: athena_calls_next hands out the calls already
 * sent (retries included), then false.
 */
extern void athena_calls_stop(AthenaCalls *calls);

extern void athena_calls_stats(const AthenaCalls *calls, AthenaCallStats *stats);

/* Safe at any time, also after a longjmp out of athena_calls_next. */
extern void athena_calls_end(AthenaCalls *calls);

#endif							/* ATHENA_CLIENT_H */
