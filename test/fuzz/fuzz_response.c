/*
 * fuzz_response.c
 *		libFuzzer target for the Athena JSON layer: everything a server (or
 *		something pretending to be one) can send us goes through here.
 *
 * Each body goes through every response parser: GetSessionStatus,
 * GetSession, ListSessions and ListWorkGroups.
 *
 * Input layout, so that one input exercises all entry points:
 *	byte 0, bits 0-3: HTTP status for aws_error_decode (from a table)
 *	byte 0, bit 4:	  the first line of the rest is an x-amzn-ErrorType header
 *	byte 0, bit 5:	  the next line is an x-amzn-RequestId header
 *	the rest:		  the response body; also the text for
 *					  aws_json_parse_epoch_usec and a session id for
 *					  athena_session_id_body
 *
 * Invariants are checked with abort(), which libFuzzer reports as a crash:
 * returned strings are valid UTF-8 without NUL, failure leaves nothing
 * allocated, and timestamps agree with an independent long double reading
 * and survive a round trip through their decimal text.
 */
#include "athena_shapes.h"
#include "aws_error.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "invariant failed at line %d: %s\n", __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static const int statuses[16] = {
	200, 301, 302, 400, 403, 404, 408, 429,
	500, 502, 503, 504, 0, -1, 999, 2147483647
};

/*
 * An independent UTF-8 check, written differently from the one under test
 * (decode the code point, then judge it) so that both would have to be
 * wrong the same way for a bug to slip through.
 */
static bool
valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < n)
	{
		uint32_t	cp;
		size_t		len,
					k;

		if (p[i] == 0)
			return false;
		if (p[i] < 0x80)
		{
			i++;
			continue;
		}
		if ((p[i] & 0xE0) == 0xC0)
		{
			len = 2;
			cp = p[i] & 0x1F;
		}
		else if ((p[i] & 0xF0) == 0xE0)
		{
			len = 3;
			cp = p[i] & 0x0F;
		}
		else if ((p[i] & 0xF8) == 0xF0)
		{
			len = 4;
			cp = p[i] & 0x07;
		}
		else
			return false;
		if (i + len > n)
			return false;
		for (k = 1; k < len; k++)
		{
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
			(len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

static void
check_string(const char *s, size_t max)
{
	if (s == NULL)
		return;
	CHECK(valid_utf8(s, strlen(s)));
	CHECK(strlen(s) <= max);
}

/* usec written back as decimal seconds, in two spellings, must parse equal */
static void
check_round_trip(int64_t usec)
{
	char		buf[64];
	int64_t		again;
	uint64_t	mag = usec < 0 ? 0 - (uint64_t) usec : (uint64_t) usec;

	snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%06" PRIu64,
			 usec < 0 ? "-" : "", mag / 1000000, mag % 1000000);
	CHECK(aws_json_parse_epoch_usec(buf, &again));
	CHECK(again == usec);

	snprintf(buf, sizeof(buf), "%" PRId64 "e-6", usec);
	CHECK(aws_json_parse_epoch_usec(buf, &again));
	CHECK(again == usec);
}

static void
check_timestamp(const AwsTimestamp *ts)
{
	if (!ts->present)
		CHECK(ts->unix_usec == 0);
	else
		check_round_trip(ts->unix_usec);
}

static void
check_epoch_text(const char *text)
{
	int64_t		usec = 0;
	char	   *end;
	long double ref;

	if (!aws_json_parse_epoch_usec(text, &usec))
		return;

	/*
	 * Whatever we accept, strtold reads completely too.  Its long double has
	 * a 64-bit mantissa: strtold and the scaling each round by at most 2^-64
	 * relative, so the exact result must lie within half a microsecond (our
	 * rounding) plus that much of the reference.  Tight enough to catch a
	 * wrong rounding of anything but exact ties, which the unit tests pin.
	 */
	ref = strtold(text, &end);
	CHECK(*end == '\0');
	CHECK(isfinite(ref));
	ref *= 1000000.0L;
	CHECK(fabsl(ref - (long double) usec) <= 0.5L + ldexpl(fabsl(ref), -61));
	check_round_trip(usec);
}

/* the request body built from an id must carry that same id back */
static void
check_body(const char *id)
{
	size_t		len;
	char	   *body = athena_session_id_body(id, &len);
	json_object *obj;
	json_object *v;

	if (body == NULL)
	{
		CHECK(!valid_utf8(id, strlen(id)));
		return;
	}
	CHECK(len == strlen(body));
	obj = json_tokener_parse(body);
	CHECK(obj != NULL);
	CHECK(json_object_object_get_ex(obj, "SessionId", &v));
	CHECK(strcmp(json_object_get_string(v), id) == 0);
	json_object_put(obj);
	free(body);
}

/*
 * A JSON map's text must parse back as a JSON object of strings: it becomes
 * a jsonb value.
 */
static void
check_map(const char *text, size_t input_len)
{
	json_object *obj;

	if (text == NULL)
		return;
	check_string(text, 4 * input_len + 2);
	obj = json_tokener_parse(text);
	CHECK(obj != NULL && json_object_is_type(obj, json_type_object));
	json_object_object_foreach(obj, key, value)
	{
		(void) key;
		CHECK(json_object_is_type(value, json_type_string));
	}
	json_object_put(obj);
}

/* Every field of a parsed session holds what its consumer can store. */
/* Every string of a parsed calculation is clean and within the body. */
static void
check_calculation(const AthenaCalculation *c, size_t len)
{
	check_string(c->calculation_execution_id, len);
	check_string(c->session_id, len);
	check_string(c->description, len);
	check_string(c->state, len);
	check_string(c->state_change_reason, len);
	check_timestamp(&c->submission_date_time);
	check_timestamp(&c->completion_date_time);
	check_string(c->progress, len);
	check_string(c->std_out_s3_uri, len);
	check_string(c->std_error_s3_uri, len);
	check_string(c->result_s3_uri, len);
	check_string(c->result_type, len);
	check_string(c->working_directory, len);
	check_string(c->code_block, len);
}

static void
check_session(const AthenaSession *s, size_t input_len)
{
	check_string(s->session_id, input_len);
	check_string(s->state, input_len);
	check_string(s->state_change_reason, input_len);
	check_string(s->description, input_len);
	check_string(s->engine_version, input_len);
	check_string(s->notebook_version, input_len);
	check_string(s->workgroup, input_len);
	check_string(s->execution_role, input_len);
	check_string(s->working_directory, input_len);
	check_map(s->spark_properties, input_len);
	check_map(s->additional_configs, input_len);
	check_timestamp(&s->start_date_time);
	check_timestamp(&s->last_modified_date_time);
	check_timestamp(&s->end_date_time);
	check_timestamp(&s->idle_since_date_time);
	CHECK(!s->coordinator_dpu_size.present ||
		  (s->coordinator_dpu_size.value >= INT32_MIN &&
		   s->coordinator_dpu_size.value <= INT32_MAX));
	CHECK(!s->max_concurrent_dpus.present ||
		  (s->max_concurrent_dpus.value >= INT32_MIN &&
		   s->max_concurrent_dpus.value <= INT32_MAX));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		sel;
	const char *rest;
	size_t		rest_len;
	char	   *header = NULL;
	char	   *reqid = NULL;
	char	   *text;
	AthenaSession s;
	AthenaSessionPage page;
	AthenaWorkGroupPage groups;
	AwsError	e;
	char		errbuf[96];

	if (size < 1)
		return 0;
	sel = data[0];
	rest = (const char *) data + 1;
	rest_len = size - 1;

	/* optional header lines, NUL-terminated copies as curl would give them */
	if (sel & 0x10)
	{
		const char *nl = memchr(rest, '\n', rest_len);
		size_t		n = nl ? (size_t) (nl - rest) : rest_len;

		header = strndup(rest, n);
		rest += nl ? n + 1 : n;
		rest_len -= nl ? n + 1 : n;
	}
	if (sel & 0x20)
	{
		const char *nl = memchr(rest, '\n', rest_len);
		size_t		n = nl ? (size_t) (nl - rest) : rest_len;

		reqid = strndup(rest, n);
		rest += nl ? n + 1 : n;
		rest_len -= nl ? n + 1 : n;
	}

	/* GetSessionStatus */
	memset(errbuf, 'x', sizeof(errbuf));
	if (athena_parse_session_status(rest, rest_len, &s, errbuf, sizeof(errbuf)))
	{
		check_string(s.session_id, rest_len);
		check_string(s.state, rest_len);
		check_string(s.state_change_reason, rest_len);
		check_timestamp(&s.start_date_time);
		check_timestamp(&s.last_modified_date_time);
		check_timestamp(&s.end_date_time);
		check_timestamp(&s.idle_since_date_time);
		athena_session_free(&s);
	}
	else
	{
		CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL);
		CHECK(errbuf[0] != '\0');
		CHECK(s.session_id == NULL && s.state == NULL &&
			  s.state_change_reason == NULL);
		CHECK(!s.start_date_time.present && !s.end_date_time.present);
	}

	/* GetSession */
	memset(errbuf, 'x', sizeof(errbuf));
	if (athena_parse_get_session(rest, rest_len, &s, errbuf, sizeof(errbuf)))
	{
		check_session(&s, rest_len);
		athena_session_free(&s);
	}
	else
		CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL && errbuf[0] != '\0');

	/* ListSessions */
	memset(errbuf, 'x', sizeof(errbuf));
	if (athena_parse_list_sessions(rest, rest_len, &page, errbuf, sizeof(errbuf)))
	{
		int			i;

		CHECK(page.nsessions == 0 || page.sessions != NULL);
		for (i = 0; i < page.nsessions; i++)
		{
			CHECK(page.sessions[i].session_id != NULL);
			check_session(&page.sessions[i], rest_len);
		}
		check_string(page.next_token, rest_len);
		athena_session_page_free(&page);
	}
	else
	{
		CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL && errbuf[0] != '\0');
		CHECK(page.sessions == NULL && page.next_token == NULL);
	}

	/* ListWorkGroups */
	memset(errbuf, 'x', sizeof(errbuf));
	if (athena_parse_list_work_groups(rest, rest_len, &groups, errbuf, sizeof(errbuf)))
	{
		int			i;

		for (i = 0; i < groups.nworkgroups; i++)
		{
			CHECK(groups.workgroups[i].name != NULL);
			check_string(groups.workgroups[i].name, rest_len);
			check_string(groups.workgroups[i].state, rest_len);
			check_string(groups.workgroups[i].engine_version, rest_len);
		}
		check_string(groups.next_token, rest_len);
		athena_work_group_page_free(&groups);
	}
	else
		CHECK(groups.workgroups == NULL && groups.next_token == NULL);

	/* the calculation answers */
	{
		bool		(*parsers[]) (const char *, size_t, AthenaCalculation *,
								  char *, size_t) = {
			athena_parse_calculation_status, athena_parse_get_calculation,
			athena_parse_calculation_code
		};
		AthenaCalculationPage cpage;
		AthenaStarted started;
		size_t		k;

		for (k = 0; k < sizeof(parsers) / sizeof(parsers[0]); k++)
		{
			AthenaCalculation c;

			memset(errbuf, 'x', sizeof(errbuf));
			if (parsers[k] (rest, rest_len, &c, errbuf, sizeof(errbuf)))
			{
				check_calculation(&c, rest_len);
				athena_calculation_free(&c);
			}
			else
				CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL &&
					  errbuf[0] != '\0' && c.calculation_execution_id == NULL &&
					  c.state == NULL && c.code_block == NULL);
		}
		memset(errbuf, 'x', sizeof(errbuf));
		if (athena_parse_list_calculations(rest, rest_len, &cpage, errbuf,
										   sizeof(errbuf)))
		{
			int			i;

			CHECK(cpage.ncalculations == 0 || cpage.calculations != NULL);
			for (i = 0; i < cpage.ncalculations; i++)
			{
				CHECK(cpage.calculations[i].calculation_execution_id != NULL);
				check_calculation(&cpage.calculations[i], rest_len);
			}
			check_string(cpage.next_token, rest_len);
			athena_calculation_page_free(&cpage);
		}
		else
			CHECK(cpage.calculations == NULL && cpage.next_token == NULL);
		if (athena_parse_start_calculation(rest, rest_len, &started, errbuf,
										   sizeof(errbuf)))
		{
			CHECK(started.id != NULL);
			check_string(started.id, rest_len);
			check_string(started.state, rest_len);
			athena_started_free(&started);
		}
		else
			CHECK(started.id == NULL && started.state == NULL);
	}

	/* error decoding */
	aws_error_decode(statuses[sel & 0x0F], header, reqid, rest, rest_len, &e);
	CHECK(e.http_status == statuses[sel & 0x0F]);
	CHECK(e.type != NULL && e.type[0] != '\0');
	CHECK(e.message != NULL);
	check_string(e.type, 128);
	check_string(e.message, 512);
	check_string(e.request_id, 128);
	CHECK((reqid == NULL) == (e.request_id == NULL));
	check_string(e.athena_error_code, 128);
	check_string(e.resource_name, 512);
	check_string(e.reason, 128);
	CHECK(e.error_class ==
		  aws_error_classify_fields(e.http_status, e.type,
									e.athena_error_code, e.message));
	aws_error_free(&e);

	/* the same bytes as number text and as a session id */
	text = strndup(rest, rest_len);
	if (text != NULL)
	{
		check_epoch_text(text);
		check_body(text);
		free(text);
	}

	free(header);
	free(reqid);
	return 0;
}
