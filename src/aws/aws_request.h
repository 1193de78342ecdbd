/*
 * aws_request.h
 *		One AWS request: its headers signed with SigV4, and a single call
 *		through the HTTP engine retried by the one retry decision.
 *
 * Pure C, no PostgreSQL headers.  The signer serves every service this
 * project calls (Athena's JSON protocol and STS's query protocol), so that
 * what is sent is exactly what was signed, in one place.
 */
#ifndef ATHENA_AWS_REQUEST_H
#define ATHENA_AWS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_error.h"
#include "http_batch.h"
#include "sigv4.h"

/*
 * Polled while a request waits: true stops the call, which then returns a
 * failure with err->interrupted set, everything freed.  It must not throw:
 * the caller handles the interrupt once the call has returned.
 */
typedef bool (*AwsStopFn) (void *arg);

/* Decodes an error answer of a service into *out (its code classified). */
typedef void (*AwsDecodeErrorFn) (int http_status, const char *request_id,
								  const char *body, size_t len, AwsError *out);

/*
 * One request through the HTTP engine, retried as the retry policy says
 * (network failures, throttling, transient errors).  decode_error reads the
 * service's error code, so that the code decides; NULL: the status alone.
 * NULL on out of memory, or when should_stop stopped it (*interrupted is
 * then set).
 */
extern HttpResult *aws_http_fetch(HttpClient *client, const HttpOptions *options,
								  const HttpRequest *request,
								  AwsDecodeErrorFn decode_error,
								  AwsStopFn should_stop, void *arg,
								  bool *interrupted);

/*
 * A POST to sign: where it goes, for which service, with which keys, and
 * its body.  access_key_id NULL sends it unsigned (STS's
 * AssumeRoleWithWebIdentity).
 */
typedef struct AwsPost
{
	const char *host;			/* the Host header: host[:port] */
	const char *path;			/* the URL's path, as signed */
	const char *region;
	const char *service;		/* "athena", "sts" */
	const char *content_type;
	const char *target;			/* X-Amz-Target, or NULL */
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL for long-term keys */
	const void *body;
	size_t		body_len;
} AwsPost;

/* Host, X-Amz-Date, X-Amz-Target, Content-Type, X-Amz-Security-Token */
#define AWS_MAX_SIGNED_HEADERS	5
/* and Authorization, then two that remove curl's own */
#define AWS_MAX_REQUEST_LINES	(AWS_MAX_SIGNED_HEADERS + 3)

/*
 * The "Name: value" lines of a signed POST.  The buffer is kept from one
 * signing to the next (an attempt per call), grown when needed, and wiped
 * when replaced or freed: it holds the session token.  Zero it before first
 * use.
 */
typedef struct AwsSignedPost
{
	char	   *buf;
	size_t		cap;
	const char *lines[AWS_MAX_REQUEST_LINES];
	int			nlines;
} AwsSignedPost;

/*
 * Signs post with the current time as X-Amz-Date and renders its lines into
 * *out: every signed header, so that what is sent is what was signed, then
 * Authorization, then "Expect:" and "Accept:" (curl adds neither then).
 * cache (may be NULL) keeps the derived signing key between calls.  False
 * when memory ran out or the signer refused its input.
 */
extern bool aws_sign_post(const AwsPost *post, SigV4KeyCache *cache,
						  AwsSignedPost *out);

/* Wipes and frees the lines' buffer, and zeroes *post. */
extern void aws_signed_post_free(AwsSignedPost *post);

#endif							/* ATHENA_AWS_REQUEST_H */
