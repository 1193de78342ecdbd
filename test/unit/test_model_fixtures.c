/*
 * test_model_fixtures.c
 *		The parsers against answers generated from botocore's model
 *		(model_fixtures.h, written by gen_model_fixtures.py at build time):
 *		for each operation athena_fdw calls, the answer with every member
 *		and the one with the required members only.  Every value the parser
 *		keeps is compared with the fixture's own, read back with json-c;
 *		every member it does not keep must be ignored.  Prints TAP.
 */
#include "aws_credentials.h"
#include "athena_shapes.h"
#include "aws_error.h"
#include "tap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

typedef struct ModelFixture
{
	const char *operation;
	const char *kind;			/* "max", "min", "min-item", ... */
	const char *body;
	/* STS only: the credentials the answer holds (NULL when none) */
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
	long long	expiration;
} ModelFixture;

#include "model_fixtures.h"

static bool
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The member at a dotted path ("Status.State") of obj, or NULL. */
static json_object *
at(json_object *obj, const char *path)
{
	char		buf[256];
	char	   *save = NULL;
	char	   *part;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part != NULL && obj != NULL;
		 part = strtok_r(NULL, ".", &save))
		obj = json_object_object_get(obj, part);
	return obj;
}

/* The fixture's string at path, or NULL when absent. */
static const char *
str_at(json_object *obj, const char *path)
{
	json_object *v = at(obj, path);

	return v != NULL ? json_object_get_string(v) : NULL;
}

/* The parsed string equals the fixture's (both NULL when absent). */
static bool
same_string(json_object *obj, const char *path, const char *parsed,
			const char *what)
{
	const char *want = str_at(obj, path);

	if (streq(want, parsed))
		return true;
	diag("%s: %s is \"%s\", the fixture has \"%s\"", what, path,
		 parsed ? parsed : "(NULL)", want ? want : "(absent)");
	return false;
}

static bool
same_integer(json_object *obj, const char *path, AwsInteger parsed,
			 const char *what)
{
	json_object *v = at(obj, path);

	if (v == NULL ? !parsed.present :
		(parsed.present && parsed.value == json_object_get_int64(v)))
		return true;
	diag("%s: %s is %s%" PRId64 ", the fixture has %s", what, path,
		 parsed.present ? "" : "absent ", parsed.value,
		 v ? json_object_to_json_string(v) : "nothing");
	return false;
}

static bool
same_timestamp(json_object *obj, const char *path, AwsTimestamp parsed,
			   const char *what)
{
	json_object *v = at(obj, path);
	int64_t		want = 0;

	if (v != NULL &&
		!aws_json_parse_epoch_usec(json_object_to_json_string_ext(
																  v, JSON_C_TO_STRING_PLAIN), &want))
		return false;
	if (v == NULL ? !parsed.present :
		(parsed.present && parsed.unix_usec == want))
		return true;
	diag("%s: %s is %" PRId64 ", the fixture has %" PRId64, what, path,
		 parsed.unix_usec, want);
	return false;
}

/* A string map the parser hands back as JSON text: the same pairs. */
static bool
same_map(json_object *obj, const char *path, const char *parsed,
		 const char *what)
{
	json_object *want = at(obj, path);
	json_object *got;
	bool		same;

	if (want == NULL || parsed == NULL)
	{
		if (want == NULL && parsed == NULL)
			return true;
		diag("%s: %s is %s, the fixture has %s", what, path,
			 parsed ? parsed : "(NULL)",
			 want ? json_object_to_json_string(want) : "nothing");
		return false;
	}
	got = json_tokener_parse(parsed);
	same = got != NULL && json_object_equal(got, want);
	if (!same)
		diag("%s: %s is %s, the fixture has %s", what, path, parsed,
			 json_object_to_json_string(want));
	json_object_put(got);
	return same;
}

/* SessionId and SessionStatus, which three shapes share. */
static bool
same_status(json_object *o, const AthenaSession *s, const char *what)
{
	bool		r = true;

	r &= same_string(o, "SessionId", s->session_id, what);
	r &= same_string(o, "Status.State", s->state, what);
	r &= same_string(o, "Status.StateChangeReason", s->state_change_reason,
					 what);
	r &= same_timestamp(o, "Status.StartDateTime", s->start_date_time, what);
	r &= same_timestamp(o, "Status.LastModifiedDateTime",
						s->last_modified_date_time, what);
	r &= same_timestamp(o, "Status.EndDateTime", s->end_date_time, what);
	r &= same_timestamp(o, "Status.IdleSinceDateTime",
						s->idle_since_date_time, what);
	return r;
}

static bool
same_get_session(json_object *o, const AthenaSession *s, const char *what)
{
	bool		r = same_status(o, s, what);

	r &= same_string(o, "Description", s->description, what);
	/* GetSessionResponse.EngineVersion is a string (NameString) */
	r &= same_string(o, "EngineVersion", s->engine_version, what);
	r &= same_string(o, "NotebookVersion", s->notebook_version, what);
	r &= same_string(o, "WorkGroup", s->workgroup, what);
	r &= same_integer(o, "Statistics.DpuExecutionInMillis",
					  s->dpu_execution_in_millis, what);
	r &= same_integer(o, "EngineConfiguration.CoordinatorDpuSize",
					  s->coordinator_dpu_size, what);
	r &= same_integer(o, "EngineConfiguration.MaxConcurrentDpus",
					  s->max_concurrent_dpus, what);
	r &= same_integer(o, "EngineConfiguration.DefaultExecutorDpuSize",
					  s->default_executor_dpu_size, what);
	r &= same_map(o, "EngineConfiguration.SparkProperties",
				  s->spark_properties, what);
	r &= same_map(o, "EngineConfiguration.AdditionalConfigs",
				  s->additional_configs, what);
	r &= same_string(o, "SessionConfiguration.ExecutionRole",
					 s->execution_role, what);
	r &= same_string(o, "SessionConfiguration.WorkingDirectory",
					 s->working_directory, what);
	r &= same_integer(o, "SessionConfiguration.IdleTimeoutSeconds",
					  s->idle_timeout_seconds, what);
	return r;
}

static bool
same_summary(json_object *o, const AthenaSession *s, const char *what)
{
	bool		r = same_status(o, s, what);

	r &= same_string(o, "Description", s->description, what);
	/* SessionSummary.EngineVersion is an EngineVersion structure */
	r &= same_string(o, "EngineVersion.EffectiveEngineVersion",
					 s->engine_version, what);
	r &= same_string(o, "NotebookVersion", s->notebook_version, what);
	return r;
}

/* A calculation answer: every member the parsers keep, where it is. */
static bool
same_calculation(json_object *o, const AthenaCalculation *c, const char *what)
{
	bool		r = true;

	r &= same_string(o, "CalculationExecutionId", c->calculation_execution_id,
					 what);
	r &= same_string(o, "SessionId", c->session_id, what);
	r &= same_string(o, "Description", c->description, what);
	r &= same_string(o, "Status.State", c->state, what);
	r &= same_string(o, "Status.StateChangeReason", c->state_change_reason,
					 what);
	r &= same_timestamp(o, "Status.SubmissionDateTime",
						c->submission_date_time, what);
	r &= same_timestamp(o, "Status.CompletionDateTime",
						c->completion_date_time, what);
	r &= same_integer(o, "Statistics.DpuExecutionInMillis",
					  c->dpu_execution_in_millis, what);
	r &= same_string(o, "Statistics.Progress", c->progress, what);
	r &= same_string(o, "Result.StdOutS3Uri", c->std_out_s3_uri, what);
	r &= same_string(o, "Result.StdErrorS3Uri", c->std_error_s3_uri, what);
	r &= same_string(o, "Result.ResultS3Uri", c->result_s3_uri, what);
	r &= same_string(o, "Result.ResultType", c->result_type, what);
	r &= same_string(o, "WorkingDirectory", c->working_directory, what);
	r &= same_string(o, "CodeBlock", c->code_block, what);
	return r;
}

static int
array_length(json_object *o, const char *member)
{
	json_object *a = json_object_object_get(o, member);

	return a != NULL ? (int) json_object_array_length(a) : 0;
}

/* The members of a fixture that this parser has no column for. */
static int
count_members(json_object *o)
{
	int			n = 0;

	if (json_object_is_type(o, json_type_object))
	{
		json_object_object_foreach(o, key, value)
		{
			(void) key;
			n += 1 + count_members(value);
		}
	}
	else if (json_object_is_type(o, json_type_array))
	{
		size_t		i;

		for (i = 0; i < json_object_array_length(o); i++)
			n += count_members(json_object_array_get_idx(o, i));
	}
	return n;
}

static void
test_athena(const ModelFixture *f)
{
	json_object *o = json_tokener_parse(f->body);
	char		what[96];
	char		err[256] = "";
	bool		parsed = false;
	bool		same = false;

	snprintf(what, sizeof(what), "%s %s (%d members)", f->operation, f->kind,
			 o ? count_members(o) : -1);
	if (o == NULL)
	{
		ok(false, "%s: the fixture is JSON", what);
		return;
	}
	if (strcmp(f->operation, "GetSessionStatus") == 0 ||
		strcmp(f->operation, "GetSession") == 0)
	{
		AthenaSession s;

		if (f->operation[10] == '\0')	/* "GetSession" */
		{
			parsed = athena_parse_get_session(f->body, strlen(f->body), &s,
											  err, sizeof(err));
			same = parsed && same_get_session(o, &s, what);
		}
		else
		{
			parsed = athena_parse_session_status(f->body, strlen(f->body),
												 &s, err, sizeof(err));
			same = parsed && same_status(o, &s, what);
		}
		if (parsed)
			athena_session_free(&s);
	}
	else if (strcmp(f->operation, "ListSessions") == 0)
	{
		AthenaSessionPage p;
		json_object *items = json_object_object_get(o, "Sessions");
		int			i;

		parsed = athena_parse_list_sessions(f->body, strlen(f->body), &p,
											err, sizeof(err));
		same = parsed && p.nsessions == array_length(o, "Sessions") &&
			same_string(o, "NextToken", p.next_token, what);
		for (i = 0; same && i < p.nsessions; i++)
			same = same_summary(json_object_array_get_idx(items, i),
								&p.sessions[i], what);
		if (parsed)
			athena_session_page_free(&p);
	}
	else if (strcmp(f->operation, "ListWorkGroups") == 0)
	{
		AthenaWorkGroupPage p;
		json_object *items = json_object_object_get(o, "WorkGroups");
		int			i;

		parsed = athena_parse_list_work_groups(f->body, strlen(f->body), &p,
											   err, sizeof(err));
		same = parsed && p.nworkgroups == array_length(o, "WorkGroups") &&
			same_string(o, "NextToken", p.next_token, what);
		for (i = 0; same && i < p.nworkgroups; i++)
		{
			json_object *w = json_object_array_get_idx(items, i);

			same = same_string(w, "Name", p.workgroups[i].name, what) &&
				same_string(w, "State", p.workgroups[i].state, what) &&
				same_string(w, "EngineVersion.EffectiveEngineVersion",
							p.workgroups[i].engine_version, what);
		}
		if (parsed)
			athena_work_group_page_free(&p);
	}
	else if (strcmp(f->operation, "GetCalculationExecutionStatus") == 0 ||
			 strcmp(f->operation, "GetCalculationExecution") == 0 ||
			 strcmp(f->operation, "GetCalculationExecutionCode") == 0)
	{
		AthenaCalculation c;

		if (strcmp(f->operation, "GetCalculationExecution") == 0)
			parsed = athena_parse_get_calculation(f->body, strlen(f->body),
												  &c, err, sizeof(err));
		else if (strcmp(f->operation, "GetCalculationExecutionCode") == 0)
			parsed = athena_parse_calculation_code(f->body, strlen(f->body),
												   &c, err, sizeof(err));
		else
			parsed = athena_parse_calculation_status(f->body, strlen(f->body),
													 &c, err, sizeof(err));
		same = parsed && same_calculation(o, &c, what);
		if (parsed)
			athena_calculation_free(&c);
	}
	else if (strcmp(f->operation, "ListCalculationExecutions") == 0)
	{
		AthenaCalculationPage p;
		json_object *items = json_object_object_get(o, "Calculations");
		int			i;

		parsed = athena_parse_list_calculations(f->body, strlen(f->body), &p,
												err, sizeof(err));
		same = parsed && p.ncalculations == array_length(o, "Calculations") &&
			same_string(o, "NextToken", p.next_token, what);
		for (i = 0; same && i < p.ncalculations; i++)
			same = same_calculation(json_object_array_get_idx(items, i),
									&p.calculations[i], what);
		if (parsed)
			athena_calculation_page_free(&p);
	}
	else if (strcmp(f->operation, "StartSession") == 0 ||
			 strcmp(f->operation, "StartCalculationExecution") == 0)
	{
		AthenaStarted st;
		bool		session = strcmp(f->operation, "StartSession") == 0;

		parsed = session ?
			athena_parse_start_session(f->body, strlen(f->body), &st,
									   err, sizeof(err)) :
			athena_parse_start_calculation(f->body, strlen(f->body), &st,
										   err, sizeof(err));
		/* an answer without the new id could not become a row */
		if (strcmp(f->kind, "min") == 0)
		{
			const char *want = session ? "no \"SessionId\"" :
			"no \"CalculationExecutionId\"";

			if (!ok(!parsed && streq(err, want),
					"%s: refused, \"%s\"", what, want))
				diag("parsed %d, reason \"%s\"", parsed, err);
			if (parsed)
				athena_started_free(&st);
			json_object_put(o);
			return;
		}
		same = parsed &&
			same_string(o, session ? "SessionId" : "CalculationExecutionId",
						st.id, what) &&
			same_string(o, "State", st.state, what);
		if (parsed)
			athena_started_free(&st);
	}
	else if (strcmp(f->operation, "TerminateSession") == 0 ||
			 strcmp(f->operation, "StopCalculationExecution") == 0)
	{
		char	   *state = NULL;

		parsed = athena_parse_terminate_session(f->body, strlen(f->body),
												&state, err, sizeof(err));
		same = parsed && same_string(o, "State", state, what);
		free(state);
	}

	/*
	 * A listed item without its id or name is refused on purpose: such a row
	 * could not be looked up, terminated or listed (the model leaves every
	 * member optional).
	 */
	if (strcmp(f->kind, "min-item") == 0)
	{
		const char *want = strcmp(f->operation, "ListSessions") == 0
		? "Sessions[0]: no \"SessionId\"" :
		strcmp(f->operation, "ListCalculationExecutions") == 0
		? "Calculations[0]: no \"CalculationExecutionId\"" :
		"WorkGroups[0]: no \"Name\"";

		if (!ok(!parsed && streq(err, want),
				"%s: refused, \"%s\"", what, want))
			diag("parsed %d, reason \"%s\"", parsed, err);
		json_object_put(o);
		return;
	}
	if (!ok(parsed && same, "%s: parsed, every kept value the model's", what))
		diag("parsed %d, reason \"%s\"", parsed, err);
	json_object_put(o);
}

static void
test_sts(const ModelFixture *f)
{
	AwsCredentials c;
	char		err[128] = "";
	bool		parsed = sts_parse_credentials(f->operation, f->body,
											   strlen(f->body), &c, err,
											   sizeof(err));

	if (f->access_key_id == NULL)
	{
		/* no Credentials: nothing to use, a clean refusal */
		if (!ok(!parsed && streq(err, "response has no Credentials element"),
				"%s %s: refused, no Credentials", f->operation, f->kind))
			diag("parsed %d, reason \"%s\"", parsed, err);
		if (parsed)
			aws_credentials_clear(&c);
		return;
	}
	if (!ok(parsed && streq(c.access_key_id, f->access_key_id) &&
			streq(c.secret_access_key, f->secret_access_key) &&
			streq(c.session_token, f->session_token) &&
			(long long) c.expiration == f->expiration,
			"%s %s: parsed, the model's credentials and expiration",
			f->operation, f->kind))
		diag("parsed %d, reason \"%s\"", parsed, err);
	if (parsed)
		aws_credentials_clear(&c);
}

int
main(void)
{
	size_t		i;

	for (i = 0; i < sizeof(model_fixtures) / sizeof(model_fixtures[0]); i++)
	{
		const ModelFixture *f = &model_fixtures[i];

		if (strncmp(f->operation, "AssumeRole", 10) == 0)
			test_sts(f);
		else
			test_athena(f);
	}
	return tap_finish();
}
