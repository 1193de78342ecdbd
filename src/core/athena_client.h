/*
 * athena_client.h
 *		GetSessionStatus and TerminateSession for many session ids at once:
 *		signs each request, sends them through the HTTP engine, parses and
 *		classifies responses.
 *
 * Pure C, no PostgreSQL headers: the FDW's executor, the benchmarks and the
 * tests all use this same client.
 */
#ifndef ATHENA_CLIENT_H
#define ATHENA_CLIENT_H

#include "aws_json.h"
#include "endpoint.h"
#include "http.h"

#define ATHENA_FDW_VERSION "1.0"
#define ATHENA_USER_AGENT "athena_fdw/" ATHENA_FDW_VERSION
#define ATHENA_MAX_BODY_BYTES (1024 * 1024)

/* Secrets live here and nowhere else; never format them into a message. */
typedef struct AthenaCredentials
{
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL for long-term keys */
} AthenaCredentials;

typedef struct AthenaClientConfig
{
	const Endpoint *endpoint;	/* endpoint_parse of the endpoint option */
	const char *region;
	AthenaCredentials credentials;
	HttpOptions http;
} AthenaClientConfig;

typedef enum AthenaFailureKind
{
	ATHENA_FAIL_AWS,			/* the service answered with an error */
	ATHENA_FAIL_NETWORK,		/* no usable answer: refused, reset, timeout */
	ATHENA_FAIL_BAD_RESPONSE	/* an answer we refuse: malformed, too large,
								 * a redirect */
} AthenaFailureKind;

typedef struct AthenaFailure
{
	AthenaFailureKind kind;
	AwsError error;			/* type, message, http_status, request_id */
	int			attempts;		/* attempts made for the failing id */
} AthenaFailure;

typedef enum AthenaFetch
{
	ATHENA_FETCH_ROW,
	ATHENA_FETCH_DONE,
	ATHENA_FETCH_FAILED
} AthenaFetch;

typedef struct AthenaStatusScan AthenaStatusScan;

/*
 * Starts fetching the status of each id (the caller has removed duplicates
 * and NULLs; ids must stay valid until the scan ends).  Everything else
 * in config is copied.  NULL only when memory ran out: a config that can
 * fail (the endpoint) was parsed and checked before.
 */
extern AthenaStatusScan *athena_client_status_scan_begin(HttpClient *client,
												  const AthenaClientConfig *config,
												  const char *const *ids, int nids,
												  HttpInterruptFn check_interrupts,
												  void *arg);

/*
 * Next session, in completion order.  Ids that do not exist (an error
 * classified AWS_ERROR_NOT_FOUND) are skipped, and so is an answer whose
 * SessionId is not, byte for byte, the id it was asked for: every row
 * returned has one of the ids given.  On ATHENA_FETCH_ROW the caller
 * owns *session (aws_json_session_free); on ATHENA_FETCH_FAILED it owns
 * failure->error (aws_json_error_free) and should stop.
 */
extern AthenaFetch athena_client_status_scan_next(AthenaStatusScan *scan,
										   AthenaSession *session,
										   AthenaFailure *failure);

extern const HttpStats *athena_client_status_scan_stats(const AthenaStatusScan *scan);

/* Safe at any time, also after a longjmp out of athena_client_status_scan_next. */
extern void athena_client_status_scan_end(AthenaStatusScan *scan);

/*
 * TerminateSession for many ids, on the same machinery (concurrency,
 * retries, the rate of the HTTP engine): athena_client_status_scan_stats and
 * athena_client_status_scan_end serve it too.
 */
typedef struct AthenaStatusScan AthenaTerminations;

typedef struct AthenaTermination
{
	int			item;			/* index of the id in the ids given */
	char	   *state;			/* State answered, malloc'd; may be NULL */
} AthenaTermination;

extern AthenaTerminations *athena_client_terminations_begin(HttpClient *client,
													 const AthenaClientConfig *config,
													 const char *const *ids, int nids,
													 HttpInterruptFn check_interrupts,
													 void *arg);

/*
 * Next accepted termination, in completion order (the caller frees
 * termination->state).  An id the API does not know (the session is gone)
 * is skipped: nothing was terminated.  On ATHENA_FETCH_FAILED the caller
 * owns failure->error; it may go on calling to learn how the requests
 * already sent ended.
 */
extern AthenaFetch athena_client_terminations_next(AthenaTerminations *terminations,
											AthenaTermination *termination,
											AthenaFailure *failure);

/* No further id is sent; the requests already sent finish (with retries). */
extern void athena_client_terminations_stop(AthenaTerminations *terminations);

#endif							/* ATHENA_CLIENT_H */
