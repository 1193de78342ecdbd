/*
 * athena_operations.h
 *		The Athena operations this project calls, as data: one entry each,
 *		with its name, target, IAM action, what its answer fills, and its
 *		request builder and answer parser.
 *
 * The client signs and counts calls by it, EXPLAIN and the counters name
 * operations from it, and test/checks/readme_iam.sh holds the README's IAM
 * section to its actions.  Adding an operation is an enum value, one entry
 * in athena_operations.c, and its shapes in athena_shapes.c.
 *
 * Pure C, no PostgreSQL headers.
 */
#ifndef ATHENA_OPERATIONS_H
#define ATHENA_OPERATIONS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum AthenaOperation
{
	ATHENA_OP_GET_SESSION_STATUS,
	ATHENA_OP_GET_SESSION,
	ATHENA_OP_LIST_SESSIONS,
	ATHENA_OP_LIST_WORK_GROUPS,
	ATHENA_OP_TERMINATE_SESSION,
	ATHENA_OP_GET_CALCULATION_EXECUTION_STATUS,
	ATHENA_OP_GET_CALCULATION_EXECUTION,
	ATHENA_OP_GET_CALCULATION_EXECUTION_CODE,
	ATHENA_OP_LIST_CALCULATION_EXECUTIONS,
	ATHENA_OP_STOP_CALCULATION_EXECUTION,
	ATHENA_OP_START_SESSION,
	ATHENA_OP_START_CALCULATION_EXECUTION,
	ATHENA_NUM_OPERATIONS
} AthenaOperation;

/*
 * What StartSession and StartCalculationExecution take; NULL strings and
 * integers <= 0 are not sent.  spark_properties and additional_configs are
 * the JSON text of objects of strings.  client_request_token is the
 * idempotency token: the same for every attempt of one start.
 */
typedef struct AthenaStartArgs
{
	const char *client_request_token;
	const char *description;
	/* StartSession */
	const char *workgroup;
	int			coordinator_dpu_size;
	int			max_concurrent_dpus;
	int			default_executor_dpu_size;
	const char *spark_properties;
	const char *additional_configs;
	const char *execution_role;
	const char *notebook_version;
	/* StartCalculationExecution */
	const char *session_id;
	const char *code_block;
} AthenaStartArgs;

/* What a request carries: the union of the operations' inputs. */
typedef struct AthenaRequestArgs
{
	const char *session_id;		/* GetSessionStatus, GetSession,
								 * TerminateSession, ListCalculationExecutions */
	const char *calculation_id; /* the calculation operations but the listing */
	const char *workgroup;		/* ListSessions */
	const char *state_filter;	/* ListSessions, ListCalculationExecutions;
								 * NULL: every state */
	const char *next_token;		/* the List operations; NULL: first page */
	int			max_results;	/* the List operations */
	const AthenaStartArgs *start;	/* the Start operations */
} AthenaRequestArgs;

/*
 * Builds the JSON body from args: malloc'd, its length in *len; NULL when
 * memory runs out or a required input is missing or not valid UTF-8.
 */
typedef char *(*AthenaBuildFn) (const AthenaRequestArgs *args, size_t *len);

/*
 * Parses a 200 answer into *out, the operation's answer struct (zeroed
 * first); false with a reason in errbuf.  Free a parsed answer with the
 * operation's free function.
 */
typedef bool (*AthenaParseFn) (const char *body, size_t len, void *out,
							   char *errbuf, size_t errlen);
typedef void (*AthenaAnswerFreeFn) (void *out);

typedef struct AthenaOperationInfo
{
	const char *name;			/* "GetSessionStatus" */
	const char *target;			/* X-Amz-Target: "AmazonAthena.<name>" */
	const char *iam_action;		/* "athena:GetSessionStatus" */
	const char *fills;			/* what its answer gives the table */
	AthenaBuildFn build;
	AthenaParseFn parse;
	AthenaAnswerFreeFn free_answer;
} AthenaOperationInfo;

/* The entry of op; op must be a valid operation. */
extern const AthenaOperationInfo *athena_operation(AthenaOperation op);

/* Its name, or "?" for a value that is not an operation. */
extern const char *athena_operation_name(AthenaOperation op);

#endif							/* ATHENA_OPERATIONS_H */
