/*
 * safe_value.c
 *		The one rule for text that becomes part of an HTTP request.
 */
#include "safe_value.h"

#include <string.h>

bool
aws_value_is_clean(const char *value, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

bool
aws_cstring_is_clean(const char *value)
{
	return value == NULL || aws_value_is_clean(value, strlen(value));
}
