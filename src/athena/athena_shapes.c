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
