/*
 * athena_operations.c
 *		The table of Athena operations (athena_operations.h).
 *
 * Builders and parsers adapt athena_shapes.c's typed functions to the
 * table's uniform signatures.
 */
#include "athena_operations.h"

#include <stdlib.h>

#include "athena_shapes.h"

static char *
build_session_id(const AthenaRequestArgs *args, size_t *len)
{
	return athena_session_id_body(args->session_id, len);
}

static char *
build_list_sessions(const AthenaRequestArgs *args, size_t *len)
{
	return athena_list_sessions_body(args->workgroup, args->state_filter,
									 args->max_results, args->next_token, len);
}

static char *
build_list_work_groups(const AthenaRequestArgs *args, size_t *len)
{
	return athena_list_work_groups_body(args->max_results, args->next_token,
										len);
}

static char *
build_calculation_id(const AthenaRequestArgs *args, size_t *len)
{
	return athena_calculation_id_body(args->calculation_id, len);
}

static char *
build_list_calculations(const AthenaRequestArgs *args, size_t *len)
{
	return athena_list_calculations_body(args->session_id, args->state_filter,
										 args->max_results, args->next_token,
										 len);
}

static bool
parse_calculation_status(const char *body, size_t len, void *out,
						 char *errbuf, size_t errlen)
{
	return athena_parse_calculation_status(body, len, out, errbuf, errlen);
}

static bool
parse_get_calculation(const char *body, size_t len, void *out,
					  char *errbuf, size_t errlen)
{
	return athena_parse_get_calculation(body, len, out, errbuf, errlen);
}

static bool
parse_calculation_code(const char *body, size_t len, void *out,
					   char *errbuf, size_t errlen)
{
	return athena_parse_calculation_code(body, len, out, errbuf, errlen);
}

static void
free_calculation(void *out)
{
	athena_calculation_free(out);
}

static bool
parse_list_calculations(const char *body, size_t len, void *out,
						char *errbuf, size_t errlen)
{
	return athena_parse_list_calculations(body, len, out, errbuf, errlen);
}

static void
free_calculation_page(void *out)
{
	athena_calculation_page_free(out);
}

static char *
build_start_session(const AthenaRequestArgs *args, size_t *len)
{
	return args->start ? athena_start_session_body(args->start, len) : NULL;
}

static char *
build_start_calculation(const AthenaRequestArgs *args, size_t *len)
{
	return args->start ? athena_start_calculation_body(args->start, len) : NULL;
}

static bool
parse_start_session(const char *body, size_t len, void *out,
					char *errbuf, size_t errlen)
{
	return athena_parse_start_session(body, len, out, errbuf, errlen);
}

static bool
parse_start_calculation(const char *body, size_t len, void *out,
						char *errbuf, size_t errlen)
{
	return athena_parse_start_calculation(body, len, out, errbuf, errlen);
}

static void
free_started(void *out)
{
	athena_started_free(out);
}

static bool
parse_session_status(const char *body, size_t len, void *out,
					 char *errbuf, size_t errlen)
{
	return athena_parse_session_status(body, len, out, errbuf, errlen);
}

static bool
parse_get_session(const char *body, size_t len, void *out,
				  char *errbuf, size_t errlen)
{
	return athena_parse_get_session(body, len, out, errbuf, errlen);
}

static void
free_session(void *out)
{
	athena_session_free(out);
}

static bool
parse_list_sessions(const char *body, size_t len, void *out,
					char *errbuf, size_t errlen)
{
	return athena_parse_list_sessions(body, len, out, errbuf, errlen);
}

static void
free_session_page(void *out)
{
	athena_session_page_free(out);
}

static bool
parse_list_work_groups(const char *body, size_t len, void *out,
					   char *errbuf, size_t errlen)
{
	return athena_parse_list_work_groups(body, len, out, errbuf, errlen);
}

static void
free_work_group_page(void *out)
{
	athena_work_group_page_free(out);
}

/*
 * TerminateSession's and StopCalculationExecution's answer is its State:
 * out is a char *.
 */
static bool
parse_terminate_session(const char *body, size_t len, void *out,
						char *errbuf, size_t errlen)
{
	return athena_parse_terminate_session(body, len, out, errbuf, errlen);
}

static void
free_string(void *out)
{
	char	  **s = out;

	free(*s);
	*s = NULL;
}

#define OPERATION(op_name) \
	.name = #op_name, \
	.target = ATHENA_TARGET_PREFIX #op_name, \
	.iam_action = "athena:" #op_name

static const AthenaOperationInfo operations[ATHENA_NUM_OPERATIONS] = {
	[ATHENA_OP_GET_SESSION_STATUS] = {
		OPERATION(GetSessionStatus),
		.fills = "a lookup's rows: state, reason and times",
		.build = build_session_id,
		.parse = parse_session_status,
		.free_answer = free_session,
	},
	[ATHENA_OP_GET_SESSION] = {
		OPERATION(GetSession),
		.fills = "the detail columns",
		.build = build_session_id,
		.parse = parse_get_session,
		.free_answer = free_session,
	},
	[ATHENA_OP_LIST_SESSIONS] = {
		OPERATION(ListSessions),
		.fills = "a list scan's rows, a workgroup's page at a time",
		.build = build_list_sessions,
		.parse = parse_list_sessions,
		.free_answer = free_session_page,
	},
	[ATHENA_OP_LIST_WORK_GROUPS] = {
		OPERATION(ListWorkGroups),
		.fills = "the workgroups a list scan that names none lists",
		.build = build_list_work_groups,
		.parse = parse_list_work_groups,
		.free_answer = free_work_group_page,
	},
	[ATHENA_OP_TERMINATE_SESSION] = {
		OPERATION(TerminateSession),
		.fills = "DELETE's new state",
		.build = build_session_id,
		.parse = parse_terminate_session,
		.free_answer = free_string,
	},
	[ATHENA_OP_GET_CALCULATION_EXECUTION_STATUS] = {
		OPERATION(GetCalculationExecutionStatus),
		.fills = "a calculation's state, times and statistics",
		.build = build_calculation_id,
		.parse = parse_calculation_status,
		.free_answer = free_calculation,
	},
	[ATHENA_OP_GET_CALCULATION_EXECUTION] = {
		OPERATION(GetCalculationExecution),
		.fills = "a calculation's every column but its code",
		.build = build_calculation_id,
		.parse = parse_get_calculation,
		.free_answer = free_calculation,
	},
	[ATHENA_OP_GET_CALCULATION_EXECUTION_CODE] = {
		OPERATION(GetCalculationExecutionCode),
		.fills = "code_block",
		.build = build_calculation_id,
		.parse = parse_calculation_code,
		.free_answer = free_calculation,
	},
	[ATHENA_OP_LIST_CALCULATION_EXECUTIONS] = {
		OPERATION(ListCalculationExecutions),
		.fills = "the calculations of a session, a page at a time",
		.build = build_list_calculations,
		.parse = parse_list_calculations,
		.free_answer = free_calculation_page,
	},
	[ATHENA_OP_STOP_CALCULATION_EXECUTION] = {
		OPERATION(StopCalculationExecution),
		.fills = "DELETE's new state of a calculation",
		.build = build_calculation_id,
		.parse = parse_terminate_session,
		.free_answer = free_string,
	},
	[ATHENA_OP_START_SESSION] = {
		OPERATION(StartSession),
		.fills = "INSERT's new session: its id and state",
		.build = build_start_session,
		.parse = parse_start_session,
		.free_answer = free_started,
	},
	[ATHENA_OP_START_CALCULATION_EXECUTION] = {
		OPERATION(StartCalculationExecution),
		.fills = "INSERT's new calculation: its id and state",
		.build = build_start_calculation,
		.parse = parse_start_calculation,
		.free_answer = free_started,
	},
};

const AthenaOperationInfo *
athena_operation(AthenaOperation op)
{
	return &operations[op];
}

const char *
athena_operation_name(AthenaOperation op)
{
	return (op >= 0 && op < ATHENA_NUM_OPERATIONS) ? operations[op].name : "?";
}
