/*
 * aws_json.h
 *		Amazon Athena's JSON 1.1 operations: request bodies built with json-c,
 *		responses parsed into plain structs, AWS errors decoded.
 *
 * Pure C: no PostgreSQL headers (json-c's json_object clashes with one of
 * PostgreSQL's SQL functions).  Strings are malloc'd, NUL-terminated, valid
 * UTF-8 without embedded NUL bytes; the caller frees them with the matching
 * *_free function.
 */
#ifndef ATHENA_AWS_JSON_H
#define ATHENA_AWS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATHENA_TARGET_PREFIX "AmazonAthena."
#define ATHENA_CONTENT_TYPE "application/x-amz-json-1.1"

/* A timestamp from the API: microseconds since 1970-01-01 00:00:00 UTC. */
typedef struct AthenaTimestamp
{
	bool		present;
	int64_t		unix_usec;
} AthenaTimestamp;

/* One session as GetSessionStatus describes it; absent fields are NULL. */
typedef struct AthenaSession
{
	char	   *session_id;
	char	   *state;
	char	   *state_change_reason;
	AthenaTimestamp start_date_time;
	AthenaTimestamp last_modified_date_time;
	AthenaTimestamp end_date_time;
	AthenaTimestamp idle_since_date_time;
} AthenaSession;

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
	AWS_ERROR_VALIDATION		/* the request itself is wrong */
} AwsErrorClass;

/* A decoded AWS error response. */
typedef struct AwsError
{
	int			http_status;
	AwsErrorClass error_class;	/* aws_json_classify_error of the fields */
	char	   *type;			/* "ThrottlingException", never NULL */
	char	   *message;		/* never NULL, may be "" */
	char	   *request_id;		/* x-amzn-RequestId, or NULL */
} AwsError;

/*
 * Request body of GetSessionStatus: {"SessionId":"..."}.  Returns a malloc'd
 * NUL-terminated string and its length in *len, or NULL on failure.
 */
extern char *aws_json_get_session_status_body(const char *session_id, size_t *len);

/*
 * Parses a 200 response of GetSessionStatus into *out (zeroed first).
 * Returns true on success.  On failure returns false, frees what it
 * allocated, and writes a short lower-case reason into errbuf (may be NULL),
 * e.g. "response is not valid JSON (truncated)", "response has no
 * \"Status\" object" or "field \"Status.StartDateTime\" is not a number".
 * The body must be exactly one JSON object (whitespace around it is fine);
 * a missing or null "Status" is a failure, since AWS always sends it.
 * Absent and null fields give NULL / present = false.  Unknown fields are
 * ignored; an unknown State passes through.  Strings with invalid UTF-8 or
 * NUL bytes (json-c decodes "\u0000" into one) are failures.
 */
extern bool aws_json_parse_session_status(const char *body, size_t len,
										AthenaSession *out,
										char *errbuf, size_t errlen);
extern void aws_json_session_free(AthenaSession *session);

/*
 * TerminateSession takes the same {"SessionId":"..."} body as
 * GetSessionStatus (aws_json_get_session_status_body) and answers
 * {"State":"TERMINATING"}.  Parses that answer: *state gets the State
 * (malloc'd; NULL when absent or null).  Same contract as
 * aws_json_parse_session_status otherwise: one JSON object, strict UTF-8,
 * false with a reason in errbuf.
 */
extern bool aws_json_parse_terminate_session(const char *body, size_t len,
										   char **state,
										   char *errbuf, size_t errlen);

/*
 * Parses the decimal text of a JSON number of epoch seconds (as in
 * "1700000000", "1700000000.123456", "1.7000000001234567E9") into exact
 * microseconds, rounding half away from zero beyond the sixth fractional
 * digit.  No binary floating point is involved.  Returns false on malformed
 * text or overflow.
 */
extern bool aws_json_parse_epoch_usec(const char *text, int64_t *unix_usec);

/*
 * Decodes an error response.  The type comes from the x-amzn-ErrorType
 * header (may be NULL; it wins when non-empty) or the body's "__type" /
 * "code", stripped of any "namespace#" prefix and ":suffix"; the message from
 * "message" or "Message".  A body that is not JSON (an HTML page from a
 * proxy) still gives a usable error: type "HTTP <status>" (unless the header
 * names one) and a message saying the body was not JSON.  Type, message and
 * request id are sanitized for reporting: invalid UTF-8 and NUL become
 * U+FFFD, and long text is cut at a character boundary (message to 512
 * bytes, type and request id to 128) ending in "...".  request_id may be
 * NULL.  error_class is set from the decoded fields.  Never fails: on out
 * of memory type and message point to static fallback strings, which
 * aws_json_error_free knows not to free, so always release the struct with
 * aws_json_error_free, never with free() per field.
 */
extern void aws_json_decode_error(int http_status, const char *error_type_header,
								const char *request_id,
								const char *body, size_t len,
								AwsError *out);
extern void aws_json_error_free(AwsError *err);

/*
 * Classifies an error by HTTP status, bare type and message.  Only a 4xx or
 * 5xx is an AWS error; anything else is OTHER.  Throttling codes (botocore's
 * list) and 429 are THROTTLED; other 5xx and the SDKs' timeout codes are
 * TRANSIENT; a 4xx is classified by its type (and, for
 * InvalidRequestException "Session ... not found", by its message: Athena's
 * second way of saying NOT_FOUND), OTHER when the type is unknown.  type and
 * message may be NULL.
 */
extern AwsErrorClass aws_json_classify_error(int http_status, const char *type,
											 const char *message);

/* "not found", "throttled", ...: for tests and diagnostics. */
extern const char *aws_json_error_class_name(AwsErrorClass error_class);

#endif							/* ATHENA_AWS_JSON_H */
