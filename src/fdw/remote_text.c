/*
 * remote_text.c
 *		Text from the network (an AWS error's type and message, a request
 *		id) made fit for an ERROR message.
 *
 * The text is whatever a server or a proxy sent.  Control characters
 * (newlines, carriage returns, terminal escape sequences) would reach the
 * client and the server log as they are, so they are dropped, line breaks
 * and tabs becoming a space.  The text is UTF-8 and is converted to the
 * database encoding; a character that encoding lacks becomes an ASCII
 * escape (\u00e9, \U0001f600) instead of an encoding error that would
 * replace the whole message.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "athena_fdw.h"

static bool
is_control(pg_wchar c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
}

/*
 * Appends one non-ASCII character (len bytes of valid UTF-8 at p) in the
 * database encoding, or escaped where conversion_proc cannot convert it.
 */
static void
append_converted(StringInfo out, const unsigned char *p, int len, pg_wchar c,
				 int encoding, Oid conversion_proc)
{
	unsigned char converted[MAX_MULTIBYTE_CHAR_LEN * MAX_CONVERSION_GROWTH + 1];

	if (encoding == PG_UTF8)
	{
		appendBinaryStringInfo(out, (const char *) p, len);
		return;
	}
	if (OidIsValid(conversion_proc) &&
		pg_do_encoding_conversion_buf(conversion_proc, PG_UTF8, encoding,
									  (unsigned char *) p, len,
									  converted, sizeof(converted),
									  true) == len)
	{
		appendStringInfoString(out, (const char *) converted);
		return;
	}
	appendStringInfo(out, c > 0xffff ? "\\U%08x" : "\\u%04x", c);
}

/* A palloc'd copy of utf8 fit for a message in the database encoding. */
char *
fdw_remote_text(const char *utf8)
{
	const unsigned char *p = (const unsigned char *) utf8;
	int			encoding = GetDatabaseEncoding();
	Oid			conversion_proc = InvalidOid;
	bool		looked_up = false;
	StringInfoData out;

	initStringInfo(&out);
	while (*p)
	{
		int			len = pg_utf_mblen(p);
		pg_wchar	c;

		if (*p < 0x80)
		{
			if (*p == '\n' || *p == '\r' || *p == '\t')
				appendStringInfoChar(&out, ' ');
			else if (!is_control(*p))
				appendStringInfoChar(&out, (char) *p);
			p++;
			continue;
		}
		/* the core hands over valid UTF-8; anything else is shown as bytes */
		if (strnlen((const char *) p, len) < (size_t) len || !pg_utf8_islegal(p, len))
		{
			appendStringInfo(&out, "\\x%02x", *p);
			p++;
			continue;
		}
		c = utf8_to_unicode(p);
		if (!is_control(c))
		{
			if (!looked_up && encoding != PG_UTF8 && encoding != PG_SQL_ASCII)
				conversion_proc = FindDefaultConversionProc(PG_UTF8, encoding);
			looked_up = true;
			append_converted(&out, p, len, c, encoding, conversion_proc);
		}
		p += len;
	}
	return out.data;
}
