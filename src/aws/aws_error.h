/*
 * aws_error.h
 *		AWS error responses: decoded, classified, and what they mean for a
 *		retry.
 *
 * Pure C, no PostgreSQL headers.  The one classification that the retry
 * decision and the FDW's SQLSTATEs read, and the one rule for cleaning what
 * a server sent before it is reported: valid UTF-8 (anything else becomes
 * U+FFFD), no NUL, cut to a readable length.
 */
#ifndef ATHENA_AWS_ERROR_H
#define ATHENA_AWS_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "http_batch.h"

/*
 * What an AWS error means for the caller: the one classification that the
 * retry policy and the FDW's SQLSTATEs read.
 */
typedef enum AwsErrorClass
{
	AWS_ERROR_OTHER = 0,		/* none of the below (or not an AWS error) */
	AWS_ERROR_NOT_FOUND,		/* no such session */
	AWS_ERROR_THROTTLED,		/* slow down: 429 or a throttling code */
	AWS_ERROR_TRANSIENT,		/* failed this time: 5xx, a request timeout */
	AWS_ERROR_AUTH,				/* credentials or signature refused */
	AWS_ERROR_ACCESS_DENIED,	/* authenticated, but not allowed */
	AWS_ERROR_VALIDATION,		/* the request itself is wrong */
	AWS_ERROR_NOT_SPARK			/* a workgroup without Spark refused a session
								 * operation */
} AwsErrorClass;

/* A decoded AWS error response. */
typedef struct AwsError
{
	int			http_status;
	AwsErrorClass error_class;	/* aws_error_classify of the fields */
	char	   *type;			/* "ThrottlingException", never NULL */
	char	   *message;		/* never NULL, may be "" */
	char	   *request_id;		/* x-amzn-RequestId, or NULL */
	/* the exception's members in Athena's model, NULL when not sent */
	char	   *athena_error_code;	/* InvalidRequestException */
	char	   *resource_name;	/* ResourceNotFoundException */
	char	   *reason;			/* TooManyRequestsException */
} AwsError;

/*
 * Decodes an error response.  The type comes from the x-amzn-ErrorType
 * header (may be NULL; it wins when non-empty) or the body's "__type" /
 * "code", stripped of any "namespace#" prefix and ":suffix"; the message from
 * "message" or "Message"; AthenaErrorCode, ResourceName and Reason (the
 * members Athena's model gives its exceptions) when they are strings.  A body that is not JSON (an HTML page from a
 * proxy) still gives a usable error: type "HTTP <status>" (unless the header
 * names one) and a message saying the body was not JSON.  Type, message and
 * request id are sanitized for reporting: invalid UTF-8 and NUL become
 * U+FFFD, and long text is cut at a character boundary (message to 512
 * bytes, type and request id to 128) ending in "...".  request_id may be
 * NULL.  error_class is set from the decoded fields.  Never fails: on out
 * of memory type and message point to static fallback strings, which
 * aws_error_free knows not to free, so always release the struct with
 * aws_error_free, never with free() per field.
 */
extern void aws_error_decode(int http_status, const char *error_type_header,
							 const char *request_id,
							 const char *body, size_t len,
							 AwsError *out);
extern void aws_error_free(AwsError *err);

/*
 * Classifies an error from its structured fields first: HTTP status and
 * bare type (x-amzn-ErrorType or __type), then Athena's AthenaErrorCode, and
 * the message text only as a last resort.  Only a 4xx or 5xx is an AWS
 * error; anything else is OTHER.  Throttling codes (botocore's list) and 429
 * are THROTTLED; other 5xx and the SDKs' timeout codes are TRANSIENT;
 * ResourceNotFoundException is NOT_FOUND; every other type decides by
 * itself but InvalidRequestException, which an AthenaErrorCode naming a
 * specific input problem keeps VALIDATION; else two messages refine it
 * (aws_error.c names them): NOT_FOUND for a session id Athena does not know,
 * NOT_SPARK for a workgroup whose engine is not Spark.  An unknown type is
 * OTHER.  type, athena_error_code and message may be NULL.
 */
extern AwsErrorClass aws_error_classify_fields(int http_status,
											   const char *type,
											   const char *athena_error_code,
											   const char *message);

/* The same without an AthenaErrorCode (STS and the credential sources). */
extern AwsErrorClass aws_error_classify(int http_status, const char *type,
										const char *message);

/* "not found", "throttled", ...: for tests and diagnostics. */
extern const char *aws_error_class_name(AwsErrorClass error_class);

/*
 * Fills *out from an error decoded elsewhere (STS's XML errors) or made by
 * the caller (a network failure, a refused answer): type, message and
 * request id sanitized and cut as aws_error_decode does; an empty type
 * becomes "HTTP <status>".  Never fails; free with aws_error_free.
 */
extern void aws_error_set(int http_status, const char *type, size_t type_len,
						  const char *message, size_t message_len,
						  const char *request_id, AwsError *out);

/*
 * The one retry decision, for every AWS call: whether a finished attempt is
 * retried, and how.  A transport failure (no complete response) backs off;
 * an HTTP error is retried when err (its decoded error, NULL when the
 * status is below 400) is THROTTLED or TRANSIENT; an answer too large, a TLS
 * failure or an unsafe request would fail the same way again.  rate_gated:
 * a throttled attempt waits for the rate gate (HTTP_RETRY_THROTTLED) rather
 * than a backoff, for batches that have one.
 */
extern HttpRetryVerdict aws_retry_verdict(const HttpResult *attempt,
										  const AwsError *err,
										  bool rate_gated);

#endif							/* ATHENA_AWS_ERROR_H */
