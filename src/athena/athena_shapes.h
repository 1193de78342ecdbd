/*
 * athena_shapes.h
 *		Amazon Athena's JSON 1.1 shapes: the request bodies of the operations
 *		this project calls, and their answers parsed into plain structs.
 *
 * Pure C: no PostgreSQL headers, and no json-c in the header (json-c's
 * json_object clashes with one of PostgreSQL's SQL functions).  Strings are
 * malloc'd, NUL-terminated, valid UTF-8 without embedded NUL bytes; the
 * caller frees them with the matching *_free function.
 */
#ifndef ATHENA_SHAPES_H
#define ATHENA_SHAPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "athena_operations.h"
#include "aws_json.h"

#define ATHENA_TARGET_PREFIX "AmazonAthena."

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
	AwsTimestamp start_date_time;
	AwsTimestamp last_modified_date_time;
	AwsTimestamp end_date_time;
	AwsTimestamp idle_since_date_time;
	/* summary */
	char	   *description;
	char	   *engine_version; /* EngineVersion.EffectiveEngineVersion */
	char	   *notebook_version;
	/* details */
	char	   *workgroup;
	AwsInteger	dpu_execution_in_millis;	/* Statistics */
	AwsInteger	coordinator_dpu_size;	/* EngineConfiguration */
	AwsInteger	max_concurrent_dpus;
	AwsInteger	default_executor_dpu_size;
	char	   *spark_properties;	/* JSON object text of the map */
	char	   *additional_configs; /* JSON object text of the map */
	char	   *execution_role; /* SessionConfiguration */
	char	   *working_directory;
	AwsInteger	idle_timeout_seconds;
} AthenaSession;

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

/*
 * One calculation, as GetCalculationExecutionStatus, a
 * ListCalculationExecutions item (CalculationSummary),
 * GetCalculationExecution and GetCalculationExecutionCode describe it;
 * absent fields are NULL (or not present).  The status call fills the
 * status and statistics, a list item the id, description and status,
 * GetCalculationExecution all but the code, the code call code_block only.
 */
typedef struct AthenaCalculation
{
	char	   *calculation_execution_id;
	char	   *session_id;
	char	   *description;
	/* Status */
	char	   *state;
	char	   *state_change_reason;
	AwsTimestamp submission_date_time;
	AwsTimestamp completion_date_time;
	/* Statistics */
	AwsInteger	dpu_execution_in_millis;
	char	   *progress;
	/* Result */
	char	   *std_out_s3_uri;
	char	   *std_error_s3_uri;
	char	   *result_s3_uri;
	char	   *result_type;
	char	   *working_directory;
	char	   *code_block;		/* GetCalculationExecutionCode's CodeBlock */
} AthenaCalculation;

/* One page of ListCalculationExecutions. */
typedef struct AthenaCalculationPage
{
	AthenaCalculation *calculations;
	int			ncalculations;
	char	   *next_token;		/* NULL on the last page */
} AthenaCalculationPage;

/*
 * Request bodies.  Each returns a malloc'd NUL-terminated string and its
 * length in *len, or NULL when memory runs out or a string argument is not
 * valid UTF-8 (json-c would copy it into an invalid body).
 *
 * GetSessionStatus and GetSession: {"SessionId":"..."}.
 */
extern char *athena_session_id_body(const char *session_id, size_t *len);

/* ListSessions; state_filter and next_token may be NULL. */
extern char *athena_list_sessions_body(const char *workgroup,
									   const char *state_filter,
									   int max_results,
									   const char *next_token, size_t *len);

/* ListWorkGroups; next_token may be NULL. */
extern char *athena_list_work_groups_body(int max_results,
										  const char *next_token,
										  size_t *len);

/*
 * GetCalculationExecutionStatus, GetCalculationExecution,
 * GetCalculationExecutionCode and StopCalculationExecution:
 * {"CalculationExecutionId":"..."}.
 */
extern char *athena_calculation_id_body(const char *calculation_id,
										size_t *len);

/* ListCalculationExecutions; state_filter and next_token may be NULL. */
extern char *athena_list_calculations_body(const char *session_id,
										   const char *state_filter,
										   int max_results,
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
extern bool athena_parse_session_status(const char *body, size_t len,
										AthenaSession *out,
										char *errbuf, size_t errlen);
extern void athena_session_free(AthenaSession *session);

/*
 * TerminateSession takes the same {"SessionId":"..."} body as
 * GetSessionStatus (athena_session_id_body) and answers
 * {"State":"TERMINATING"}.  Parses that answer: *state gets the State
 * (malloc'd; NULL when absent or null).  Same contract as
 * athena_parse_session_status otherwise: one JSON object, strict UTF-8,
 * false with a reason in errbuf.
 */
extern bool athena_parse_terminate_session(const char *body, size_t len,
										   char **state,
										   char *errbuf, size_t errlen);

/*
 * Parses a 200 response of GetSession into *out, as strictly as
 * athena_parse_session_status.  Its EngineVersion is a string (the
 * model's NameString); a ListSessions item's is a structure.
 * Integers must be JSON integers in range (int32 for the DPU sizes, int64
 * for the others); SparkProperties and AdditionalConfigs must map strings
 * to strings, and come back as their compact JSON text.
 */
extern bool athena_parse_get_session(const char *body, size_t len,
									 AthenaSession *out,
									 char *errbuf, size_t errlen);

/*
 * Parses a 200 response of ListSessions: "Sessions" (absent means none)
 * holds objects with a string SessionId and a Status object each; the
 * summary fields are read as GetSession's.  A reason about an item names
 * its index, as in "Sessions[3]: field \"Status.State\" is not a string".
 */
extern bool athena_parse_list_sessions(const char *body, size_t len,
									   AthenaSessionPage *out,
									   char *errbuf, size_t errlen);
extern void athena_session_page_free(AthenaSessionPage *page);

/*
 * Parses a 200 response of ListWorkGroups: "WorkGroups" (absent means
 * none) holds objects with a string Name each.
 */
extern bool athena_parse_list_work_groups(const char *body, size_t len,
										  AthenaWorkGroupPage *out,
										  char *errbuf, size_t errlen);
extern void athena_work_group_page_free(AthenaWorkGroupPage *page);

/*
 * StartSession and StartCalculationExecution bodies (athena_operations.h's
 * AthenaStartArgs); NULL when a required member is missing, a map is not
 * an object of strings, or memory runs out.
 */
extern char *athena_start_session_body(const AthenaStartArgs *args,
									   size_t *len);
extern char *athena_start_calculation_body(const AthenaStartArgs *args,
										   size_t *len);

/* What a start answered: the new id (never NULL) and its State. */
typedef struct AthenaStarted
{
	char	   *id;
	char	   *state;
} AthenaStarted;

/*
 * Parses the answer of StartSession (SessionId, State) or of
 * StartCalculationExecution (CalculationExecutionId, State); an answer
 * without the id is malformed: nothing could tell the row.
 */
extern bool athena_parse_start_session(const char *body, size_t len,
									   AthenaStarted *out,
									   char *errbuf, size_t errlen);
extern bool athena_parse_start_calculation(const char *body, size_t len,
										   AthenaStarted *out,
										   char *errbuf, size_t errlen);
extern void athena_started_free(AthenaStarted *started);

/*
 * Calculation answers, as strictly as the session ones: the answer of
 * GetCalculationExecutionStatus (Status, Statistics), of
 * GetCalculationExecution (also CalculationExecutionId, SessionId,
 * Description, WorkingDirectory, Result) and of
 * GetCalculationExecutionCode (CodeBlock) into *out, zeroed first.
 */
extern bool athena_parse_calculation_status(const char *body, size_t len,
											AthenaCalculation *out,
											char *errbuf, size_t errlen);
extern bool athena_parse_get_calculation(const char *body, size_t len,
										 AthenaCalculation *out,
										 char *errbuf, size_t errlen);
extern bool athena_parse_calculation_code(const char *body, size_t len,
										  AthenaCalculation *out,
										  char *errbuf, size_t errlen);
extern void athena_calculation_free(AthenaCalculation *calculation);

/*
 * Moves the fields src has and dest has not into dest (what two answers
 * about one calculation tell together); src is left with the rest.
 */
extern void athena_calculation_merge(AthenaCalculation *dest,
									 AthenaCalculation *src);

/*
 * Parses a 200 response of ListCalculationExecutions: "Calculations"
 * (absent means none) holds CalculationSummary objects, each with a string
 * CalculationExecutionId.
 */
extern bool athena_parse_list_calculations(const char *body, size_t len,
										   AthenaCalculationPage *out,
										   char *errbuf, size_t errlen);
extern void athena_calculation_page_free(AthenaCalculationPage *page);

#endif							/* ATHENA_SHAPES_H */
