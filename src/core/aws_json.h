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

/* An integer from the API; present is false when the field was absent. */
typedef struct AthenaInteger
{
	bool		present;
	int64_t		value;
} AthenaInteger;

/*
 * One session, as GetSessionStatus, a ListSessions item or GetSession
 * describes it; absent fields are NULL (or not present).  GetSessionStatus
 * fills the status fields only, a ListSessions item adds the summary ones,
 * GetSession all of them.
 */
typedef struct AthenaSession
{
	char	   *session_id;
	/* status */
	char	   *state;
	char	   *state_change_reason;
	AthenaTimestamp start_date_time;
	AthenaTimestamp last_modified_date_time;
	AthenaTimestamp end_date_time;
	AthenaTimestamp idle_since_date_time;
	/* summary */
	char	   *description;
	char	   *engine_version; /* EngineVersion.EffectiveEngineVersion */
	char	   *notebook_version;
	/* details */
	char	   *workgroup;
	AthenaInteger dpu_execution_in_millis;	/* Statistics */
	AthenaInteger coordinator_dpu_size; /* EngineConfiguration */
	AthenaInteger max_concurrent_dpus;
	AthenaInteger default_executor_dpu_size;
	char	   *spark_properties;	/* JSON object text of the map */
	char	   *additional_configs; /* JSON object text of the map */
	char	   *execution_role; /* SessionConfiguration */
	char	   *working_directory;
	AthenaInteger idle_timeout_seconds;
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
	AWS_ERROR_VALIDATION,		/* the request itself is wrong */
	AWS_ERROR_NOT_SPARK			/* a workgroup without Spark refused a session
								 * operation */
} AwsErrorClass;

/* One page of ListSessions. */
typedef struct AthenaSessionPage
{
	AthenaSession *sessions;
	int			nsessions;
	char	   *next_token;		/* NULL on the last page */
} AthenaSessionPage;

/* One workgroup of ListWorkGroups. */
typedef struct AthenaWorkGroup
{
	char	   *name;			/* never NULL */
	char	   *state;			/* "ENABLED", "DISABLED" */
	char	   *engine_version; /* EngineVersion.EffectiveEngineVersion */
} AthenaWorkGroup;

typedef struct AthenaWorkGroupPage
{
	AthenaWorkGroup *workgroups;
	int			nworkgroups;
	char	   *next_token;		/* NULL on the last page */
} AthenaWorkGroupPage;

/* A decoded AWS error response. */
typedef struct AwsError
{
	int			http_status;
	AwsErrorClass error_class;	/* aws_json_classify_error of the fields */
	char	   *type;			/* "ThrottlingException", never NULL */
	char	   *message;		/* never NULL, may be "" */
	char	   *request_id;		/* x-amzn-RequestId, or NULL */
	/* the exception's members in Athena's model, NULL when not sent */
	char	   *athena_error_code;	/* InvalidRequestException */
	char	   *resource_name;	/* ResourceNotFoundException */
	char	   *reason;			/* TooManyRequestsException */
} AwsError;

/*
 * Request bodies.  Each returns a malloc'd NUL-terminated string and its
 * length in *len, or NULL when memory runs out or a string argument is not
 * valid UTF-8 (json-c would copy it into an invalid body).
 *
 * GetSessionStatus and GetSession: {"SessionId":"..."}.
 */
extern char *aws_json_session_id_body(const char *session_id, size_t *len);

/* ListSessions; state_filter and next_token may be NULL. */
extern char *aws_json_list_sessions_body(const char *workgroup,
										 const char *state_filter,
										 int max_results,
										 const char *next_token, size_t *len);

/* ListWorkGroups; next_token may be NULL. */
extern char *aws_json_list_work_groups_body(int max_results,
											const char *next_token,
											size_t *len);

/*
 * Parses a 200 response of GetSessionStatus into *out (zeroed first).
 * Returns true on success.  On failure returns false, frees what it
 * allocated, and writes a short lower-case reason into errbuf (may be NULL),
 * e.g. "response is not valid JSON (truncated)", "field \"Status\" is not
 * an object" or "field \"Status.StartDateTime\" is not a number".
 * The body must be exactly one JSON object (whitespace around it is fine).
 * Each parser takes exactly its operation's output shape in botocore's
 * model (test/unit/gen_model_fixtures.py feeds them every member, and the
 * required ones only): the members the model defines with its types; no
 * member is required there, so absent and null members (Status included)
 * give NULL / present = false.  Unknown members are ignored; an unknown
 * State passes through.  Strings with invalid UTF-8 or
 * NUL bytes (json-c decodes "\u0000" into one) are failures.
 */
extern bool aws_json_parse_session_status(const char *body, size_t len,
										  AthenaSession *out,
										  char *errbuf, size_t errlen);
extern void aws_json_session_free(AthenaSession *session);

/*
 * TerminateSession takes the same {"SessionId":"..."} body as
 * GetSessionStatus (aws_json_session_id_body) and answers
 * {"State":"TERMINATING"}.  Parses that answer: *state gets the State
 * (malloc'd; NULL when absent or null).  Same contract as
 * aws_json_parse_session_status otherwise: one JSON object, strict UTF-8,
 * false with a reason in errbuf.
 */
extern bool aws_json_parse_terminate_session(const char *body, size_t len,
											 char **state,
											 char *errbuf, size_t errlen);

/*
 * Parses a 200 response of GetSession into *out, as strictly as
 * aws_json_parse_session_status.  Its EngineVersion is a string (the
 * model's NameString); a ListSessions item's is a structure.
 * Integers must be JSON integers in range (int32 for the DPU sizes, int64
 * for the others); SparkProperties and AdditionalConfigs must map strings
 * to strings, and come back as their compact JSON text.
 */
extern bool aws_json_parse_get_session(const char *body, size_t len,
									   AthenaSession *out,
									   char *errbuf, size_t errlen);

/*
 * Parses a 200 response of ListSessions: "Sessions" (absent means none)
 * holds objects with a string SessionId and a Status object each; the
 * summary fields are read as GetSession's.  A reason about an item names
 * its index, as in "Sessions[3]: field \"Status.State\" is not a string".
 */
extern bool aws_json_parse_list_sessions(const char *body, size_t len,
										 AthenaSessionPage *out,
										 char *errbuf, size_t errlen);
extern void aws_json_session_page_free(AthenaSessionPage *page);

/*
 * Parses a 200 response of ListWorkGroups: "WorkGroups" (absent means
 * none) holds objects with a string Name each.
 */
extern bool aws_json_parse_list_work_groups(const char *body, size_t len,
											AthenaWorkGroupPage *out,
											char *errbuf, size_t errlen);
extern void aws_json_work_group_page_free(AthenaWorkGroupPage *page);

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
 * "message" or "Message"; AthenaErrorCode, ResourceName and Reason (the
 * members Athena's model gives its exceptions) when they are strings.  A body that is not JSON (an HTML page from a
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
 * Classifies an error from its structured fields first: HTTP status and
 * bare type (x-amzn-ErrorType or __type), then Athena's AthenaErrorCode, and
 * the message text only as a last resort.  Only a 4xx or 5xx is an AWS
 * error; anything else is OTHER.  Throttling codes (botocore's list) and 429
 * are THROTTLED; other 5xx and the SDKs' timeout codes are TRANSIENT;
 * ResourceNotFoundException is NOT_FOUND; every other type decides by
 * itself but InvalidRequestException, which an AthenaErrorCode naming a
 * specific input problem keeps VALIDATION; else two messages refine it
 * (aws_json.c names them): NOT_FOUND for a session id Athena does not know,
 * NOT_SPARK for a workgroup whose engine is not Spark.  An unknown type is
 * OTHER.  type, athena_error_code and message may be NULL.
 */
extern AwsErrorClass aws_json_classify_error_fields(int http_status,
													const char *type,
													const char *athena_error_code,
													const char *message);

/* The same without an AthenaErrorCode (STS and the credential sources). */
extern AwsErrorClass aws_json_classify_error(int http_status, const char *type,
											 const char *message);

/* "not found", "throttled", ...: for tests and diagnostics. */
extern const char *aws_json_error_class_name(AwsErrorClass error_class);

/*
 * Fills *out from an error decoded elsewhere (STS's XML errors): type,
 * message and request id sanitized and cut as aws_json_decode_error does; an
 * empty type becomes "HTTP <status>".  Never fails; free with
 * aws_json_error_free.
 */
extern void aws_json_error_set(int http_status, const char *type, size_t type_len,
							   const char *message, size_t message_len,
							   const char *request_id, AwsError *out);

#endif							/* ATHENA_AWS_JSON_H */
