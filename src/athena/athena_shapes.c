/*
 * athena_shapes.c
 *		Amazon Athena's request bodies and answers, member by member as
 *		botocore's model gives each operation's shapes.
 *
 * Each parser takes exactly its operation's output shape: the members the
 * model defines, with its types.  The model requires none of them, so an
 * absent or null member (Status included) reads as NULL / present = false;
 * unknown members are ignored, and an unknown State passes through.
 */
#include "athena_shapes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

char *
athena_session_id_body(const char *session_id, size_t *len)
{
	json_object *obj;

	if (len != NULL)
		*len = 0;
	if (session_id == NULL || (obj = json_object_new_object()) == NULL)
		return NULL;
	return aws_json_finish_body(obj, aws_json_add_string(obj, "SessionId", session_id), len);
}

char *
athena_list_sessions_body(const char *workgroup, const char *state_filter,
						  int max_results, const char *next_token,
						  size_t *len)
{
	json_object *obj;

	if (len != NULL)
		*len = 0;
	if (workgroup == NULL || (obj = json_object_new_object()) == NULL)
		return NULL;
	return aws_json_finish_body(obj,
								aws_json_add_string(obj, "WorkGroup", workgroup) &&
								aws_json_add_string(obj, "StateFilter", state_filter) &&
								aws_json_add_int(obj, "MaxResults", max_results) &&
								aws_json_add_string(obj, "NextToken", next_token),
								len);
}

char *
athena_list_work_groups_body(int max_results, const char *next_token,
							 size_t *len)
{
	json_object *obj;

	if (len != NULL)
		*len = 0;
	if ((obj = json_object_new_object()) == NULL)
		return NULL;
	return aws_json_finish_body(obj,
								aws_json_add_int(obj, "MaxResults", max_results) &&
								aws_json_add_string(obj, "NextToken", next_token),
								len);
}

/*
 * SessionId and the SessionStatus fields of a session object, which
 * GetSessionStatusResponse, GetSessionResponse and SessionSummary share.
 * The model makes none of them required: an absent Status leaves its fields
 * NULL, as any absent member does.
 */
static bool
parse_status(json_object *session, AthenaSession *out,
			 char *errbuf, size_t errlen)
{
	json_object *status;

	if (!aws_json_get_string(session, "SessionId", "SessionId",
							 &out->session_id, errbuf, errlen) ||
		!aws_json_get_object(session, "Status", "Status", &status,
							 errbuf, errlen))
		return false;
	if (status == NULL)
		return true;

	return aws_json_get_string(status, "State", "Status.State",
							   &out->state, errbuf, errlen) &&
		aws_json_get_string(status, "StateChangeReason", "Status.StateChangeReason",
							&out->state_change_reason, errbuf, errlen) &&
		aws_json_get_timestamp(status, "StartDateTime", "Status.StartDateTime",
							   &out->start_date_time, errbuf, errlen) &&
		aws_json_get_timestamp(status, "LastModifiedDateTime",
							   "Status.LastModifiedDateTime",
							   &out->last_modified_date_time, errbuf, errlen) &&
		aws_json_get_timestamp(status, "EndDateTime", "Status.EndDateTime",
							   &out->end_date_time, errbuf, errlen) &&
		aws_json_get_timestamp(status, "IdleSinceDateTime",
							   "Status.IdleSinceDateTime",
							   &out->idle_since_date_time, errbuf, errlen);
}

/* What SessionSummary and GetSessionResponse both add to the status. */
static bool
parse_description(json_object *session, AthenaSession *out,
				  char *errbuf, size_t errlen)
{
	return parse_status(session, out, errbuf, errlen) &&
		aws_json_get_string(session, "Description", "Description",
							&out->description, errbuf, errlen) &&
		aws_json_get_string(session, "NotebookVersion", "NotebookVersion",
							&out->notebook_version, errbuf, errlen);
}

/*
 * A ListSessions item (SessionSummary): its EngineVersion is an
 * EngineVersion structure, of which the effective version is kept.
 */
static bool
parse_summary(json_object *session, AthenaSession *out,
			  char *errbuf, size_t errlen)
{
	json_object *engine;

	return parse_description(session, out, errbuf, errlen) &&
		aws_json_get_object(session, "EngineVersion", "EngineVersion",
							&engine, errbuf, errlen) &&
		(engine == NULL ||
		 aws_json_get_string(engine, "EffectiveEngineVersion",
							 "EngineVersion.EffectiveEngineVersion",
							 &out->engine_version, errbuf, errlen));
}

/*
 * A GetSession answer (GetSessionResponse): unlike SessionSummary's, its
 * EngineVersion is a string (NameString), the effective version's name.
 * MonitoringConfiguration, Classifications and SessionIdleTimeoutInMinutes
 * (added to the model after 2022) have no column and are ignored, as any
 * unknown member is.
 */
static bool
parse_details(json_object *session, AthenaSession *out,
			  char *errbuf, size_t errlen)
{
	json_object *engine;
	json_object *config;
	json_object *stats;

	if (!parse_description(session, out, errbuf, errlen) ||
		!aws_json_get_string(session, "EngineVersion", "EngineVersion",
							 &out->engine_version, errbuf, errlen) ||
		!aws_json_get_string(session, "WorkGroup", "WorkGroup",
							 &out->workgroup, errbuf, errlen) ||
		!aws_json_get_object(session, "EngineConfiguration", "EngineConfiguration",
							 &engine, errbuf, errlen) ||
		!aws_json_get_object(session, "SessionConfiguration", "SessionConfiguration",
							 &config, errbuf, errlen) ||
		!aws_json_get_object(session, "Statistics", "Statistics",
							 &stats, errbuf, errlen))
		return false;

	if (engine != NULL &&
		!(aws_json_get_integer(engine, "CoordinatorDpuSize",
							   "EngineConfiguration.CoordinatorDpuSize",
							   INT32_MIN, INT32_MAX, &out->coordinator_dpu_size,
							   errbuf, errlen) &&
		  aws_json_get_integer(engine, "MaxConcurrentDpus",
							   "EngineConfiguration.MaxConcurrentDpus",
							   INT32_MIN, INT32_MAX, &out->max_concurrent_dpus,
							   errbuf, errlen) &&
		  aws_json_get_integer(engine, "DefaultExecutorDpuSize",
							   "EngineConfiguration.DefaultExecutorDpuSize",
							   INT32_MIN, INT32_MAX, &out->default_executor_dpu_size,
							   errbuf, errlen) &&
		  aws_json_get_string_map(engine, "SparkProperties",
								  "EngineConfiguration.SparkProperties",
								  &out->spark_properties, errbuf, errlen) &&
		  aws_json_get_string_map(engine, "AdditionalConfigs",
								  "EngineConfiguration.AdditionalConfigs",
								  &out->additional_configs, errbuf, errlen)))
		return false;

	if (config != NULL &&
		!(aws_json_get_string(config, "ExecutionRole",
							  "SessionConfiguration.ExecutionRole",
							  &out->execution_role, errbuf, errlen) &&
		  aws_json_get_string(config, "WorkingDirectory",
							  "SessionConfiguration.WorkingDirectory",
							  &out->working_directory, errbuf, errlen) &&
		  aws_json_get_integer(config, "IdleTimeoutSeconds",
							   "SessionConfiguration.IdleTimeoutSeconds",
							   INT64_MIN, INT64_MAX, &out->idle_timeout_seconds,
							   errbuf, errlen)))
		return false;

	return stats == NULL ||
		aws_json_get_integer(stats, "DpuExecutionInMillis",
							 "Statistics.DpuExecutionInMillis",
							 INT64_MIN, INT64_MAX, &out->dpu_execution_in_millis,
							 errbuf, errlen);
}


bool
athena_parse_session_status(const char *body, size_t len,
							AthenaSession *out,
							char *errbuf, size_t errlen)
{
	json_object *root;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (!aws_json_parse_object(body, len, &root, errbuf, errlen))
		return false;
	ok = parse_status(root, out, errbuf, errlen);
	json_object_put(root);
	if (!ok)
		athena_session_free(out);
	return ok;
}

bool
athena_parse_get_session(const char *body, size_t len, AthenaSession *out,
						 char *errbuf, size_t errlen)
{
	json_object *root;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (!aws_json_parse_object(body, len, &root, errbuf, errlen))
		return false;
	ok = parse_details(root, out, errbuf, errlen);
	json_object_put(root);
	if (!ok)
		athena_session_free(out);
	return ok;
}

bool
athena_parse_terminate_session(const char *body, size_t len, char **state,
							   char *errbuf, size_t errlen)
{
	json_object *root;
	bool		ok;

	*state = NULL;
	if (!aws_json_parse_object(body, len, &root, errbuf, errlen))
		return false;
	ok = aws_json_get_string(root, "State", "State", state, errbuf, errlen);
	json_object_put(root);
	return ok;
}


static bool
parse_session_item(json_object *item, void *out, char *errbuf, size_t errlen)
{
	AthenaSession *session = out;

	if (!parse_summary(item, session, errbuf, errlen))
		return false;
	/* a listed row without its id could not be told from any other */
	if (session->session_id == NULL)
		return aws_json_fail(errbuf, errlen, "no \"SessionId\"");
	return true;
}

static bool
parse_work_group_item(json_object *item, void *out, char *errbuf, size_t errlen)
{
	AthenaWorkGroup *wg = out;
	json_object *engine;

	if (!aws_json_get_string(item, "Name", "Name", &wg->name, errbuf, errlen) ||
		!aws_json_get_string(item, "State", "State", &wg->state, errbuf, errlen) ||
		!aws_json_get_object(item, "EngineVersion", "EngineVersion", &engine,
							 errbuf, errlen) ||
		(engine != NULL &&
		 !aws_json_get_string(engine, "EffectiveEngineVersion",
							  "EngineVersion.EffectiveEngineVersion",
							  &wg->engine_version, errbuf, errlen)))
		return false;
	if (wg->name == NULL)
		return aws_json_fail(errbuf, errlen, "no \"Name\"");
	return true;
}

static void
free_session_item(void *item)
{
	athena_session_free(item);
}

static void
free_work_group_item(void *item)
{
	AthenaWorkGroup *wg = item;

	free(wg->name);
	free(wg->state);
	free(wg->engine_version);
}

static const AwsJsonPageShape sessions_page = {
	"Sessions", sizeof(AthenaSession), parse_session_item, free_session_item
};

static const AwsJsonPageShape work_groups_page = {
	"WorkGroups", sizeof(AthenaWorkGroup), parse_work_group_item,
	free_work_group_item
};

bool
athena_parse_list_sessions(const char *body, size_t len,
						   AthenaSessionPage *out,
						   char *errbuf, size_t errlen)
{
	return aws_json_parse_page(body, len, &sessions_page,
							   (void **) &out->sessions, &out->nsessions,
							   &out->next_token, errbuf, errlen);
}

void
athena_session_page_free(AthenaSessionPage *page)
{
	if (page != NULL)
		aws_json_page_free(&sessions_page, (void **) &page->sessions,
						   &page->nsessions, &page->next_token);
}

bool
athena_parse_list_work_groups(const char *body, size_t len,
							  AthenaWorkGroupPage *out,
							  char *errbuf, size_t errlen)
{
	return aws_json_parse_page(body, len, &work_groups_page,
							   (void **) &out->workgroups, &out->nworkgroups,
							   &out->next_token, errbuf, errlen);
}

void
athena_work_group_page_free(AthenaWorkGroupPage *page)
{
	if (page != NULL)
		aws_json_page_free(&work_groups_page, (void **) &page->workgroups,
						   &page->nworkgroups, &page->next_token);
}

void
athena_session_free(AthenaSession *session)
{
	if (session == NULL)
		return;
	free(session->session_id);
	free(session->state);
	free(session->state_change_reason);
	free(session->description);
	free(session->engine_version);
	free(session->notebook_version);
	free(session->workgroup);
	free(session->spark_properties);
	free(session->additional_configs);
	free(session->execution_role);
	free(session->working_directory);
	memset(session, 0, sizeof(*session));
}

/* ---- calculations ---- */

char *
athena_calculation_id_body(const char *calculation_id, size_t *len)
{
	json_object *obj;

	if (len != NULL)
		*len = 0;
	if (calculation_id == NULL || (obj = json_object_new_object()) == NULL)
		return NULL;
	return aws_json_finish_body(obj,
								aws_json_add_string(obj, "CalculationExecutionId",
													calculation_id),
								len);
}

char *
athena_list_calculations_body(const char *session_id, const char *state_filter,
							  int max_results, const char *next_token,
							  size_t *len)
{
	json_object *obj;

	if (len != NULL)
		*len = 0;
	if (session_id == NULL || (obj = json_object_new_object()) == NULL)
		return NULL;
	return aws_json_finish_body(obj,
								aws_json_add_string(obj, "SessionId", session_id) &&
								aws_json_add_string(obj, "StateFilter", state_filter) &&
								aws_json_add_int(obj, "MaxResults", max_results) &&
								aws_json_add_string(obj, "NextToken", next_token),
								len);
}

/* CalculationStatus, which every calculation answer but the code's has. */
static bool
parse_calculation_status(json_object *obj, AthenaCalculation *out,
						 char *errbuf, size_t errlen)
{
	json_object *status;

	if (!aws_json_get_object(obj, "Status", "Status", &status, errbuf, errlen))
		return false;
	return status == NULL ||
		(aws_json_get_string(status, "State", "Status.State",
							 &out->state, errbuf, errlen) &&
		 aws_json_get_string(status, "StateChangeReason",
							 "Status.StateChangeReason",
							 &out->state_change_reason, errbuf, errlen) &&
		 aws_json_get_timestamp(status, "SubmissionDateTime",
								"Status.SubmissionDateTime",
								&out->submission_date_time, errbuf, errlen) &&
		 aws_json_get_timestamp(status, "CompletionDateTime",
								"Status.CompletionDateTime",
								&out->completion_date_time, errbuf, errlen));
}

/* Status and CalculationStatistics: GetCalculationExecutionStatus's answer. */
static bool
parse_calculation_statistics(json_object *obj, AthenaCalculation *out,
							 char *errbuf, size_t errlen)
{
	json_object *stats;

	if (!parse_calculation_status(obj, out, errbuf, errlen) ||
		!aws_json_get_object(obj, "Statistics", "Statistics", &stats,
							 errbuf, errlen))
		return false;
	return stats == NULL ||
		(aws_json_get_integer(stats, "DpuExecutionInMillis",
							  "Statistics.DpuExecutionInMillis",
							  INT64_MIN, INT64_MAX,
							  &out->dpu_execution_in_millis, errbuf, errlen) &&
		 aws_json_get_string(stats, "Progress", "Statistics.Progress",
							 &out->progress, errbuf, errlen));
}

/* GetCalculationExecutionResponse */
static bool
parse_calculation_details(json_object *obj, AthenaCalculation *out,
						  char *errbuf, size_t errlen)
{
	json_object *result;

	if (!parse_calculation_statistics(obj, out, errbuf, errlen) ||
		!aws_json_get_string(obj, "CalculationExecutionId",
							 "CalculationExecutionId",
							 &out->calculation_execution_id, errbuf, errlen) ||
		!aws_json_get_string(obj, "SessionId", "SessionId",
							 &out->session_id, errbuf, errlen) ||
		!aws_json_get_string(obj, "Description", "Description",
							 &out->description, errbuf, errlen) ||
		!aws_json_get_string(obj, "WorkingDirectory", "WorkingDirectory",
							 &out->working_directory, errbuf, errlen) ||
		!aws_json_get_object(obj, "Result", "Result", &result, errbuf, errlen))
		return false;
	return result == NULL ||
		(aws_json_get_string(result, "StdOutS3Uri", "Result.StdOutS3Uri",
							 &out->std_out_s3_uri, errbuf, errlen) &&
		 aws_json_get_string(result, "StdErrorS3Uri", "Result.StdErrorS3Uri",
							 &out->std_error_s3_uri, errbuf, errlen) &&
		 aws_json_get_string(result, "ResultS3Uri", "Result.ResultS3Uri",
							 &out->result_s3_uri, errbuf, errlen) &&
		 aws_json_get_string(result, "ResultType", "Result.ResultType",
							 &out->result_type, errbuf, errlen));
}

static bool
parse_calculation_code(json_object *obj, AthenaCalculation *out,
					   char *errbuf, size_t errlen)
{
	return aws_json_get_string(obj, "CodeBlock", "CodeBlock",
							   &out->code_block, errbuf, errlen);
}

typedef bool (*CalculationParser) (json_object *obj, AthenaCalculation *out,
								   char *errbuf, size_t errlen);

static bool
parse_calculation_answer(const char *body, size_t len, AthenaCalculation *out,
						 CalculationParser parser, char *errbuf, size_t errlen)
{
	json_object *root;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (!aws_json_parse_object(body, len, &root, errbuf, errlen))
		return false;
	ok = parser(root, out, errbuf, errlen);
	json_object_put(root);
	if (!ok)
		athena_calculation_free(out);
	return ok;
}

bool
athena_parse_calculation_status(const char *body, size_t len,
								AthenaCalculation *out,
								char *errbuf, size_t errlen)
{
	return parse_calculation_answer(body, len, out,
									parse_calculation_statistics,
									errbuf, errlen);
}

bool
athena_parse_get_calculation(const char *body, size_t len,
							 AthenaCalculation *out,
							 char *errbuf, size_t errlen)
{
	return parse_calculation_answer(body, len, out, parse_calculation_details,
									errbuf, errlen);
}

bool
athena_parse_calculation_code(const char *body, size_t len,
							  AthenaCalculation *out,
							  char *errbuf, size_t errlen)
{
	return parse_calculation_answer(body, len, out, parse_calculation_code,
									errbuf, errlen);
}

static void
move_string(char **dest, char **src)
{
	if (*dest == NULL)
	{
		*dest = *src;
		*src = NULL;
	}
}

static void
move_timestamp(AwsTimestamp *dest, const AwsTimestamp *src)
{
	if (!dest->present)
		*dest = *src;
}

void
athena_calculation_merge(AthenaCalculation *dest, AthenaCalculation *src)
{
	move_string(&dest->calculation_execution_id, &src->calculation_execution_id);
	move_string(&dest->session_id, &src->session_id);
	move_string(&dest->description, &src->description);
	move_string(&dest->state, &src->state);
	move_string(&dest->state_change_reason, &src->state_change_reason);
	move_timestamp(&dest->submission_date_time, &src->submission_date_time);
	move_timestamp(&dest->completion_date_time, &src->completion_date_time);
	if (!dest->dpu_execution_in_millis.present)
		dest->dpu_execution_in_millis = src->dpu_execution_in_millis;
	move_string(&dest->progress, &src->progress);
	move_string(&dest->std_out_s3_uri, &src->std_out_s3_uri);
	move_string(&dest->std_error_s3_uri, &src->std_error_s3_uri);
	move_string(&dest->result_s3_uri, &src->result_s3_uri);
	move_string(&dest->result_type, &src->result_type);
	move_string(&dest->working_directory, &src->working_directory);
	move_string(&dest->code_block, &src->code_block);
}

static bool
parse_calculation_item(json_object *item, void *out, char *errbuf,
					   size_t errlen)
{
	AthenaCalculation *c = out;

	if (!parse_calculation_status(item, c, errbuf, errlen) ||
		!aws_json_get_string(item, "CalculationExecutionId",
							 "CalculationExecutionId",
							 &c->calculation_execution_id, errbuf, errlen) ||
		!aws_json_get_string(item, "Description", "Description",
							 &c->description, errbuf, errlen))
		return false;
	/* a listed row without its id could not be told from any other */
	if (c->calculation_execution_id == NULL)
		return aws_json_fail(errbuf, errlen, "no \"CalculationExecutionId\"");
	return true;
}

static void
free_calculation_item(void *item)
{
	athena_calculation_free(item);
}

static const AwsJsonPageShape calculations_page = {
	"Calculations", sizeof(AthenaCalculation), parse_calculation_item,
	free_calculation_item
};

bool
athena_parse_list_calculations(const char *body, size_t len,
							   AthenaCalculationPage *out,
							   char *errbuf, size_t errlen)
{
	return aws_json_parse_page(body, len, &calculations_page,
							   (void **) &out->calculations,
							   &out->ncalculations, &out->next_token,
							   errbuf, errlen);
}

void
athena_calculation_page_free(AthenaCalculationPage *page)
{
	if (page != NULL)
		aws_json_page_free(&calculations_page, (void **) &page->calculations,
						   &page->ncalculations, &page->next_token);
}

void
athena_calculation_free(AthenaCalculation *c)
{
	if (c == NULL)
		return;
	free(c->calculation_execution_id);
	free(c->session_id);
	free(c->description);
	free(c->state);
	free(c->state_change_reason);
	free(c->progress);
	free(c->std_out_s3_uri);
	free(c->std_error_s3_uri);
	free(c->result_s3_uri);
	free(c->result_type);
	free(c->working_directory);
	free(c->code_block);
	memset(c, 0, sizeof(*c));
}

/* ---- starts ---- */

/* A member of obj from the JSON text of an object of strings; NULL adds none. */
static bool
add_string_map(json_object *obj, const char *name, const char *text)
{
	json_object *map;

	if (text == NULL)
		return true;
	if (!aws_json_parse_object(text, strlen(text), &map, NULL, 0))
		return false;
	{
		json_object_object_foreach(map, key, value)
		{
			(void) key;
			if (!json_object_is_type(value, json_type_string))
			{
				json_object_put(map);
				return false;
			}
		}
	}
	if (json_object_object_add(obj, name, map) != 0)
	{
		json_object_put(map);
		return false;
	}
	return true;
}

static bool
add_positive(json_object *obj, const char *name, int value)
{
	return value <= 0 || aws_json_add_int(obj, name, value);
}

char *
athena_start_session_body(const AthenaStartArgs *args, size_t *len)
{
	json_object *obj;
	json_object *engine;
	bool		ok;

	if (len != NULL)
		*len = 0;
	if (args->workgroup == NULL || (obj = json_object_new_object()) == NULL)
		return NULL;
	if ((engine = json_object_new_object()) == NULL)
	{
		json_object_put(obj);
		return NULL;
	}
	ok = add_positive(engine, "CoordinatorDpuSize", args->coordinator_dpu_size) &&
		add_positive(engine, "MaxConcurrentDpus", args->max_concurrent_dpus) &&
		add_positive(engine, "DefaultExecutorDpuSize",
					 args->default_executor_dpu_size) &&
		add_string_map(engine, "AdditionalConfigs", args->additional_configs) &&
		add_string_map(engine, "SparkProperties", args->spark_properties);
	if (!ok || json_object_object_add(obj, "EngineConfiguration", engine) != 0)
	{
		json_object_put(engine);
		json_object_put(obj);
		return NULL;
	}
	return aws_json_finish_body(obj,
								aws_json_add_string(obj, "Description", args->description) &&
								aws_json_add_string(obj, "WorkGroup", args->workgroup) &&
								aws_json_add_string(obj, "ExecutionRole", args->execution_role) &&
								aws_json_add_string(obj, "NotebookVersion", args->notebook_version) &&
								aws_json_add_string(obj, "ClientRequestToken",
													args->client_request_token),
								len);
}

char *
athena_start_calculation_body(const AthenaStartArgs *args, size_t *len)
{
	json_object *obj;

	if (len != NULL)
		*len = 0;
	if (args->session_id == NULL || (obj = json_object_new_object()) == NULL)
		return NULL;
	return aws_json_finish_body(obj,
								aws_json_add_string(obj, "SessionId", args->session_id) &&
								aws_json_add_string(obj, "Description", args->description) &&
								aws_json_add_string(obj, "CodeBlock", args->code_block) &&
								aws_json_add_string(obj, "ClientRequestToken",
													args->client_request_token),
								len);
}

static bool
parse_started(const char *body, size_t len, const char *id_member,
			  AthenaStarted *out, char *errbuf, size_t errlen)
{
	json_object *root;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (!aws_json_parse_object(body, len, &root, errbuf, errlen))
		return false;
	ok = aws_json_get_string(root, id_member, id_member, &out->id,
							 errbuf, errlen) &&
		aws_json_get_string(root, "State", "State", &out->state,
							errbuf, errlen);
	json_object_put(root);
	if (ok && out->id == NULL)
		ok = aws_json_fail(errbuf, errlen, "no \"%s\"", id_member);
	if (!ok)
		athena_started_free(out);
	return ok;
}

bool
athena_parse_start_session(const char *body, size_t len, AthenaStarted *out,
						   char *errbuf, size_t errlen)
{
	return parse_started(body, len, "SessionId", out, errbuf, errlen);
}

bool
athena_parse_start_calculation(const char *body, size_t len,
							   AthenaStarted *out, char *errbuf, size_t errlen)
{
	return parse_started(body, len, "CalculationExecutionId", out,
						 errbuf, errlen);
}

void
athena_started_free(AthenaStarted *started)
{
	if (started == NULL)
		return;
	free(started->id);
	free(started->state);
	memset(started, 0, sizeof(*started));
}
