/*
 * aws_json.c
 *		The strict JSON reader and writer under AWS's JSON 1.1 protocol.
 *
 * Everything that comes from the network is untrusted: the parser accepts
 * only one strict JSON value, bounded in size and nesting, and every string
 * handed back to the caller is checked to be valid UTF-8 without NUL bytes,
 * because the caller turns them into PostgreSQL text values, which must be
 * valid in the (UTF-8) database encoding and cannot hold NUL.
 *
 * Timestamps are converted from the decimal text of the JSON number, not
 * from a C double: a double has only about 16 significant digits, and
 * epoch seconds with microseconds need 16 already, so going through binary
 * floating point would be off by a microsecond now and then.
 */
#include "aws_json.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

/*
 * Nesting limit for the tokenizer.  The response itself nests two levels;
 * the slack lets AWS add structured fields we ignore, while the limit keeps
 * json_object_put (which recurses) away from hostile depths.
 */
#define AWS_JSON_MAX_DEPTH	32

/* UTF-8 replacement character, used when sanitizing error text. */
static const char utf8_replacement[] = "\xEF\xBF\xBD";


/*
 * Length of the valid UTF-8 sequence at s (at most n bytes available), or 0
 * when it is not valid.  Strict per RFC 3629: no overlong forms, no UTF-16
 * surrogates, nothing above U+10FFFF.  NUL is treated as invalid, since no
 * caller can store it.  json-c's own JSON_TOKENER_VALIDATE_UTF8 check is not
 * enough: it lets overlong forms and surrogates through.
 */
static size_t
utf8_sequence_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t		need;
	unsigned char lo = 0x80,
				hi = 0xBF;		/* allowed range of the second byte */
	size_t		i;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c < 0xC2)				/* continuation byte or overlong 2-byte lead */
		return 0;
	if (c < 0xE0)
		need = 2;
	else if (c < 0xF0)
	{
		need = 3;
		if (c == 0xE0)
			lo = 0xA0;			/* overlong */
		else if (c == 0xED)
			hi = 0x9F;			/* surrogates D800-DFFF */
	}
	else if (c < 0xF5)
	{
		need = 4;
		if (c == 0xF0)
			lo = 0x90;			/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;			/* above U+10FFFF */
	}
	else
		return 0;

	if (n < need)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return need;
}

/* True when s[0..n) is valid UTF-8 without NUL bytes. */
bool
aws_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < n)
	{
		size_t		l;

		/* fast path: runs of ASCII are the common case */
		if (p[i] != 0 && p[i] < 0x80)
		{
			i++;
			continue;
		}
		l = utf8_sequence_length(p + i, n - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

/*
 * A malloc'd copy of s[0..n) that is valid UTF-8 without NUL bytes: each
 * invalid byte or NUL becomes U+FFFD, and the result is cut at a character
 * boundary to at most max bytes (not counting the terminator), ending in
 * "..." when something was cut.  Used for text that we report rather than
 * reject: an error message should survive a garbled body.
 */
char *
aws_utf8_sanitize(const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *) s;
	char	   *out;
	size_t		full = 0;
	size_t		limit;
	size_t		o = 0;
	size_t		i = 0;

	/* first pass: the sanitized length decides whether to cut at all */
	while (i < n)
	{
		size_t		l = utf8_sequence_length(p + i, n - i);

		full += l > 0 ? l : 3;
		i += l > 0 ? l : 1;
	}
	/* when cutting, keep 3 bytes of the max for the ellipsis */
	limit = full <= max ? full : max - 3;

	out = malloc((full <= max ? full : max) + 1);
	if (out == NULL)
		return NULL;

	i = 0;
	while (i < n)
	{
		size_t		l = utf8_sequence_length(p + i, n - i);
		const char *piece = l > 0 ? s + i : utf8_replacement;
		size_t		plen = l > 0 ? l : 3;

		if (o + plen > limit)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += l > 0 ? l : 1;
	}
	if (full > max)
	{
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

bool
aws_json_fail(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (errbuf == NULL || errlen == 0)
		return false;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/*
 * The code point of the valid multi-byte UTF-8 sequence of k bytes at s (as
 * utf8_sequence_length measured it).
 */
static uint32_t
utf8_code_point(const unsigned char *s, size_t k)
{
	uint32_t	c = s[0] & (0x7F >> k);
	size_t		i;

	for (i = 1; i < k; i++)
		c = (c << 6) | (s[i] & 0x3F);
	return c;
}

/*
 * body with every valid non-ASCII UTF-8 sequence written as JSON \u escapes
 * (a surrogate pair above U+FFFF), malloc'd, its length in *outlen; NULL on
 * out of memory.  Other bytes stay as they are.  json-c 0.18's strict mode
 * rejects any byte above 0x7F in a string (json-c issues 875 and 892, fixed
 * in 0.19); the escapes parse into the same UTF-8 on every json-c, outside
 * a string they are as invalid as the bytes were.
 */
static char *
escape_non_ascii(const char *body, size_t len, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *) body;
	char	   *out;
	size_t		o = 0;
	size_t		i = 0;

	/* 12 bytes of escapes for 4 of input is the most */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(len * 3 + 1);
	if (out == NULL)
		return NULL;
	while (i < len)
	{
		size_t		k = s[i] < 0x80 ? 0 : utf8_sequence_length(s + i, len - i);
		uint32_t	cp;

		if (k == 0)
		{
			out[o++] = (char) s[i++];
			continue;
		}
		cp = utf8_code_point(s + i, k);
		if (cp >= 0x10000)
		{
			cp -= 0x10000;
			o += sprintf(out + o, "\\u%04X\\u%04X",
						 (unsigned) (0xD800 + (cp >> 10)),
						 (unsigned) (0xDC00 + (cp & 0x3FF)));
		}
		else
			o += sprintf(out + o, "\\u%04X", (unsigned) cp);
		i += k;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static bool parse_json_text(const char *body, size_t len,
							json_object **result, char *errbuf,
							size_t errlen);

/*
 * Tokenizes body as exactly one strict JSON value into *result (the caller
 * puts it; NULL for a JSON null).  Returns false with a reason in errbuf.
 * Non-ASCII text is handed to json-c escaped (escape_non_ascii), so that
 * every json-c version parses the same answers alike.
 */
bool
aws_json_parse_value(const char *body, size_t len, json_object **result,
					 char *errbuf, size_t errlen)
{
	char	   *escaped;
	size_t		n;
	bool		ok;

	*result = NULL;
	if (body == NULL || len == 0 || memchr(body, '\0', len) != NULL)
		return parse_json_text(body, len, result, errbuf, errlen);
	for (n = 0; n < len; n++)
		if ((unsigned char) body[n] >= 0x80)
			break;
	if (n == len)
		return parse_json_text(body, len, result, errbuf, errlen);
	if (len > INT_MAX)
		return aws_json_fail(errbuf, errlen, "response is too large");
	escaped = escape_non_ascii(body, len, &n);
	if (escaped == NULL)
		return aws_json_fail(errbuf, errlen, "out of memory");
	ok = parse_json_text(escaped, n, result, errbuf, errlen);
	free(escaped);
	return ok;
}

static bool
parse_json_text(const char *body, size_t len, json_object **result,
				char *errbuf, size_t errlen)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t		end;

	*result = NULL;
	/* json-c takes an int length */
	if (len > INT_MAX)
		return aws_json_fail(errbuf, errlen, "response is too large");
	if (body == NULL || len == 0)
		return aws_json_fail(errbuf, errlen, "response is empty");

	/*
	 * A raw NUL byte is never valid JSON text (control characters inside
	 * strings must be escaped, and NUL is not whitespace), but json-c treats
	 * it as end of input and reports the whole length as consumed, so the
	 * trailing-data check below would not notice "{}\0garbage".
	 */
	if (memchr(body, '\0', len) != NULL)
		return aws_json_fail(errbuf, errlen, "response is not valid JSON (NUL byte)");

	tok = json_tokener_new_ex(AWS_JSON_MAX_DEPTH);
	if (tok == NULL)
		return aws_json_fail(errbuf, errlen, "out of memory");

	/*
	 * Without ALLOW_TRAILING_CHARS json-c reports trailing data as a vague
	 * "unexpected character"; with it, it stops after the value (and any
	 * whitespace), and we check ourselves that nothing else follows.
	 */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
						   JSON_TOKENER_ALLOW_TRAILING_CHARS);
	obj = json_tokener_parse_ex(tok, body, (int) len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);

	/*
	 * json_tokener_continue means json-c wants more input: the body was cut
	 * short, or it is a bare number or literal whose end json-c cannot see.
	 * Feeding it the terminating NUL, json-c's end-of-input mark, settles
	 * which; all of the body was consumed in that case.
	 */
	if (jerr == json_tokener_continue)
	{
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
		if (jerr != json_tokener_success)
		{
			json_tokener_free(tok);
			json_object_put(obj);
			return aws_json_fail(errbuf, errlen, "response is not valid JSON (truncated)");
		}
	}
	json_tokener_free(tok);

	if (jerr != json_tokener_success)
	{
		json_object_put(obj);
		return aws_json_fail(errbuf, errlen, "response is not valid JSON (%s)",
							 json_tokener_error_desc(jerr));
	}
	if (end != len)
	{
		json_object_put(obj);
		return aws_json_fail(errbuf, errlen,
							 "response has trailing data after the JSON value");
	}
	*result = obj;
	return true;
}

/*
 * Copies the string field `name` of obj into *out (NULL when absent or
 * JSON null).  Fails for another JSON type, invalid UTF-8 or NUL.
 */
bool
aws_json_get_string(json_object *obj, const char *name, const char *path,
					char **out, char *errbuf, size_t errlen)
{
	json_object *v;
	const char *s;
	int			n;

	*out = NULL;
	/* json_object_object_get gives NULL both for absent and for JSON null */
	v = json_object_object_get(obj, name);
	if (v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_string))
		return aws_json_fail(errbuf, errlen, "field \"%s\" is not a string", path);

	/*
	 * The length, not strlen: json-c decodes "\u0000" into a real NUL byte,
	 * which strlen would silently cut the string at.
	 */
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (n < 0 || memchr(s, '\0', (size_t) n) != NULL)
		return aws_json_fail(errbuf, errlen, "field \"%s\" contains a NUL character", path);
	if (!aws_utf8_valid(s, (size_t) n))
		return aws_json_fail(errbuf, errlen, "field \"%s\" is not valid UTF-8", path);

	*out = malloc((size_t) n + 1);
	if (*out == NULL)
		return aws_json_fail(errbuf, errlen, "out of memory");
	memcpy(*out, s, (size_t) n);
	(*out)[n] = '\0';
	return true;
}

/*
 * Reads the epoch-seconds field `name` of obj into *out (present=false when
 * absent or JSON null).
 */
bool
aws_json_get_timestamp(json_object *obj, const char *name, const char *path,
					   AwsTimestamp *out, char *errbuf, size_t errlen)
{
	json_object *v;
	const char *text;

	out->present = false;
	out->unix_usec = 0;
	v = json_object_object_get(obj, name);
	if (v == NULL)
		return true;

	/*
	 * Both integers and doubles go through their text.  For a double json-c
	 * keeps the original token and serializes exactly that (it attaches it
	 * with json_object_new_double_s), so "1.7000000001234567E9" comes back
	 * verbatim, as do NaN, Infinity and 1e400, which json-c accepts even in
	 * strict mode and which the text parser rejects.  An integer is printed
	 * from its int64 value; json-c saturates out-of-range integers, and the
	 * saturated values are out of our range anyway.
	 */
	if (!json_object_is_type(v, json_type_double) &&
		!json_object_is_type(v, json_type_int))
		return aws_json_fail(errbuf, errlen, "field \"%s\" is not a number", path);

	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	if (text == NULL)
		return aws_json_fail(errbuf, errlen, "out of memory");
	if (!aws_json_parse_epoch_usec(text, &out->unix_usec))
	{
		out->unix_usec = 0;
		return aws_json_fail(errbuf, errlen,
							 "field \"%s\" is not a valid timestamp", path);
	}
	out->present = true;
	return true;
}

/*
 * Reads the integer field `name` of obj into *out (present=false when
 * absent or JSON null).  Only a JSON integer within [min, max] is taken:
 * AWS sends these as integers, and a fraction or an out-of-range value
 * would otherwise be silently rounded or cut.
 */
bool
aws_json_get_integer(json_object *obj, const char *name, const char *path,
					 int64_t min, int64_t max, AwsInteger *out,
					 char *errbuf, size_t errlen)
{
	json_object *v;
	int64_t		value;

	out->present = false;
	out->value = 0;
	v = json_object_object_get(obj, name);
	if (v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_int))
		return aws_json_fail(errbuf, errlen, "field \"%s\" is not an integer", path);

	/* json-c saturates integers beyond int64; those are out of range too */
	errno = 0;
	value = json_object_get_int64(v);
	if (errno != 0 || value < min || value > max ||
		value == INT64_MAX || value == INT64_MIN)
		return aws_json_fail(errbuf, errlen, "field \"%s\" is out of range", path);
	out->present = true;
	out->value = value;
	return true;
}

/*
 * The object field `name` of obj in *out (NULL when absent or JSON null);
 * another JSON type is a failure.
 */
bool
aws_json_get_object(json_object *obj, const char *name, const char *path,
					json_object **out, char *errbuf, size_t errlen)
{
	json_object *v = json_object_object_get(obj, name);

	*out = NULL;
	if (v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_object))
		return aws_json_fail(errbuf, errlen, "field \"%s\" is not an object", path);
	*out = v;
	return true;
}

/*
 * Copies the string-to-string map `name` of obj as compact JSON text into
 * *out (NULL when absent or JSON null).  Keys and values must be strings
 * of valid UTF-8 without NUL: the text becomes a jsonb value, which cannot
 * hold \u0000.
 */
bool
aws_json_get_string_map(json_object *obj, const char *name, const char *path,
						char **out, char *errbuf, size_t errlen)
{
	json_object *map;
	const char *text;
	size_t		n;

	*out = NULL;
	if (!aws_json_get_object(obj, name, path, &map, errbuf, errlen))
		return false;
	if (map == NULL)
		return true;
	json_object_object_foreach(map, key, value)
	{
		const char *s;
		int			len;

		if (!aws_utf8_valid(key, strlen(key)))
			return aws_json_fail(errbuf, errlen, "a key of \"%s\" is not valid UTF-8", path);
		if (!json_object_is_type(value, json_type_string))
			return aws_json_fail(errbuf, errlen, "a value of \"%s\" is not a string", path);
		s = json_object_get_string(value);
		len = json_object_get_string_len(value);
		if (len < 0 || !aws_utf8_valid(s, (size_t) len))
			return aws_json_fail(errbuf, errlen,
								 "a value of \"%s\" is not valid UTF-8 or contains a NUL character",
								 path);
	}

	/*
	 * A key with a NUL byte cannot reach us: json-c cuts object keys at their
	 * first NUL.  The text is json-c's own, so it is valid JSON.
	 */
	text = json_object_to_json_string_ext(map, JSON_C_TO_STRING_PLAIN |
										  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL)
		return aws_json_fail(errbuf, errlen, "out of memory");
	n = strlen(text);
	*out = malloc(n + 1);
	if (*out == NULL)
		return aws_json_fail(errbuf, errlen, "out of memory");
	memcpy(*out, text, n + 1);
	return true;
}

/*
 * The compact text of obj as a malloc'd string, its length in *len; puts
 * obj.  No slash escaping: "\/" is legal JSON but noise in logs.
 */
static char *
aws_json_text(json_object *obj, size_t *len)
{
	const char *text;
	char	   *result = NULL;

	if (obj == NULL)
		return NULL;
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
										  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL)
	{
		size_t		n = strlen(text);

		result = malloc(n + 1);
		if (result != NULL)
		{
			memcpy(result, text, n + 1);
			if (len != NULL)
				*len = n;
		}
	}
	json_object_put(obj);
	return result;
}

/*
 * Adds the string member name: value to obj (nothing when value is NULL).
 * json-c copies non-ASCII bytes through unchecked, so an invalid string
 * would make an invalid request body; refuse it here rather than let AWS
 * answer with a confusing SerializationException.
 */
bool
aws_json_add_string(json_object *obj, const char *name, const char *value)
{
	json_object *v;

	if (value == NULL)
		return true;
	if (!aws_utf8_valid(value, strlen(value)))
		return false;
	v = json_object_new_string(value);
	if (v == NULL || json_object_object_add(obj, name, v) != 0)
	{
		json_object_put(v);
		return false;
	}
	return true;
}

bool
aws_json_add_int(json_object *obj, const char *name, int value)
{
	json_object *v = json_object_new_int(value);

	if (v == NULL || json_object_object_add(obj, name, v) != 0)
	{
		json_object_put(v);
		return false;
	}
	return true;
}

/* Puts obj and returns NULL unless ok; then its text. */
char *
aws_json_finish_body(json_object *obj, bool ok, size_t *len)
{
	if (!ok)
	{
		json_object_put(obj);
		return NULL;
	}
	return aws_json_text(obj, len);
}



/* The body as one JSON object in *root (the caller puts it). */
bool
aws_json_parse_object(const char *body, size_t len, json_object **root,
					  char *errbuf, size_t errlen)
{
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (!aws_json_parse_value(body, len, root, errbuf, errlen))
		return false;
	/* json_object_is_type(NULL, ...) asks about JSON null */
	if (!json_object_is_type(*root, json_type_object))
	{
		json_object_put(*root);
		*root = NULL;
		return aws_json_fail(errbuf, errlen, "response is not a JSON object");
	}
	return true;
}

/* Parses one item of a page into *out (zeroed); false with a reason. */
typedef bool (*AwsJsonItemParser) (json_object *item, void *out,
								   char *errbuf, size_t errlen);

/*
 * Parses a page: the array `array` of root (absent or null means none),
 * each item an object parsed by parse_item into an array of elsize-byte
 * elements, and the string NextToken.  On failure *nitems counts the
 * items that may hold allocations, for the caller's free function.
 */
bool
aws_json_parse_page(const char *body, size_t len,
					const AwsJsonPageShape *shape, void **items, int *nitems,
					char **next_token, char *errbuf, size_t errlen)
{
	const char *array = shape->array;
	json_object *root;
	json_object *list;
	size_t		n = 0;
	size_t		i;
	bool		ok;

	*items = NULL;
	*nitems = 0;
	*next_token = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (!aws_json_parse_object(body, len, &root, errbuf, errlen))
		return false;
	list = json_object_object_get(root, array);
	if (list != NULL && !json_object_is_type(list, json_type_array))
		ok = aws_json_fail(errbuf, errlen, "field \"%s\" is not an array", array);
	else
		ok = aws_json_get_string(root, "NextToken", "NextToken", next_token,
								 errbuf, errlen);
	if (ok && list != NULL)
		n = json_object_array_length(list);
	if (ok && n > 0 && (*items = calloc(n, shape->elsize)) == NULL)
		ok = aws_json_fail(errbuf, errlen, "out of memory");
	for (i = 0; ok && i < n; i++)
	{
		json_object *item = json_object_array_get_idx(list, i);
		char		reason[256];

		(*nitems)++;
		if (!json_object_is_type(item, json_type_object))
			ok = aws_json_fail(errbuf, errlen, "%s[%zu] is not an object", array, i);
		else if (!shape->parse_item(item, (char *) *items + i * shape->elsize,
									reason, sizeof(reason)))
			ok = aws_json_fail(errbuf, errlen, "%s[%zu]: %s", array, i, reason);
	}
	json_object_put(root);
	if (!ok)
		aws_json_page_free(shape, items, nitems, next_token);
	return ok;
}

void
aws_json_page_free(const AwsJsonPageShape *shape, void **items, int *nitems,
				   char **next_token)
{
	int			i;

	for (i = 0; i < *nitems; i++)
		shape->free_item((char *) *items + i * shape->elsize);
	free(*items);
	free(*next_token);
	*items = NULL;
	*nitems = 0;
	*next_token = NULL;
}

/*
 * Decimal digit number i of the number's significant digits: the integer
 * and fraction digits read as one run, with `skip` leading zeros skipped.
 */
static inline int
digit_at(const char *int_digits, size_t int_len,
		 const char *frac_digits, size_t skip, size_t i)
{
	size_t		j = skip + i;

	return (j < int_len ? int_digits[j] : frac_digits[j - int_len]) - '0';
}

bool
aws_json_parse_epoch_usec(const char *text, int64_t *unix_usec)
{
	const char *p = text;
	bool		negative = false;
	const char *int_digits;
	size_t		int_len;
	const char *frac_digits = NULL;
	size_t		frac_len = 0;
	int64_t		exponent = 0;
	bool		exp_huge = false;
	size_t		skip;
	size_t		ndigits;
	int64_t		scale;
	int64_t		nint;
	uint64_t	acc = 0;
	int64_t		i;

	/*
	 * Anything above this exponent magnitude is decided without arithmetic:
	 * the number is zero after rounding or too large.  It keeps the
	 * arithmetic below far from int64 overflow whatever the input says.
	 */
	const int64_t exp_limit = INT64_C(1) << 40;

	if (text == NULL || unix_usec == NULL)
		return false;

	if (*p == '-' || *p == '+')
		negative = (*p++ == '-');

	int_digits = p;
	while (*p >= '0' && *p <= '9')
		p++;
	int_len = (size_t) (p - int_digits);
	if (int_len == 0)
		return false;

	if (*p == '.')
	{
		p++;
		frac_digits = p;
		while (*p >= '0' && *p <= '9')
			p++;
		frac_len = (size_t) (p - frac_digits);
		if (frac_len == 0)		/* "1." is not JSON, though json-c takes it */
			return false;
	}

	if (*p == 'e' || *p == 'E')
	{
		bool		exp_negative = false;
		const char *exp_start;

		p++;
		if (*p == '-' || *p == '+')
			exp_negative = (*p++ == '-');
		exp_start = p;
		for (; *p >= '0' && *p <= '9'; p++)
		{
			/* saturate instead of overflowing; keep scanning the digits */
			if (!exp_huge)
			{
				exponent = exponent * 10 + (*p - '0');
				if (exponent > exp_limit)
					exp_huge = true;
			}
		}
		if (p == exp_start)
			return false;
		if (exp_negative)
			exponent = -exponent;
		if (exp_huge)
			exponent = exp_negative ? -exp_limit : exp_limit;
	}

	if (*p != '\0')
		return false;

	/* significant digits: skip leading zeros of the integer+fraction run */
	ndigits = int_len + frac_len;
	for (skip = 0; skip < ndigits; skip++)
		if (digit_at(int_digits, int_len, frac_digits, skip, 0) != 0)
			break;
	ndigits -= skip;
	if (ndigits == 0)
	{
		/* zero in any spelling, "-0.0e99999" included */
		*unix_usec = 0;
		return true;
	}
	if (exp_huge && exponent > 0)
		return false;

	/*
	 * value = D * 10^scale microseconds, D being the ndigits significant
	 * digits; nint of them (padded with zeros when nint > ndigits) form the
	 * integer part of the result.  Strings longer than 2^40 bytes do not
	 * exist, so none of this overflows.
	 */
	scale = exponent - (int64_t) frac_len + 6;
	nint = (int64_t) ndigits + scale;

	/* int64 has 19 decimal digits; 10^19 - 1 still fits in a uint64 */
	if (nint > 19)
		return false;
	for (i = 0; i < nint; i++)
		acc = acc * 10 + (uint64_t) (i < (int64_t) ndigits ?
									 digit_at(int_digits, int_len,
											  frac_digits, skip, (size_t) i) : 0);

	/*
	 * Round half away from zero: the magnitude goes up when the first dropped
	 * digit is 5 or more, whatever follows it.  When nint < 0 the first
	 * dropped digit is a leading zero, so the result is 0.
	 */
	if (nint >= 0 && nint < (int64_t) ndigits &&
		digit_at(int_digits, int_len, frac_digits, skip, (size_t) nint) >= 5)
		acc++;

	if (negative)
	{
		if (acc > (uint64_t) INT64_MAX + 1)
			return false;
		/* negate in unsigned arithmetic so INT64_MIN needs no special case */
		*unix_usec = acc == 0 ? 0 : (int64_t) (0 - acc);
	}
	else
	{
		if (acc > (uint64_t) INT64_MAX)
			return false;
		*unix_usec = (int64_t) acc;
	}
	return true;
}
