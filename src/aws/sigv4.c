/*
 * sigv4.c
 *		AWS Signature Version 4 signing, on OpenSSL's libcrypto.
 *
 * Every request is signed, one per session id a scan asks about, so signing
 * sits on the per-request path.  The canonical request is therefore built in
 * a single allocation sized up front, the handful of headers is sorted with
 * qsort over references on the stack, and the derived signing key (four
 * HMACs) is reused for as long as date, region, service and secret stay the
 * same.
 *
 * The rules follow AWS's "Create a canonical request" documentation and the
 * 2015-08-30 aws-sig-v4-test-suite: URI-encode everything but the unreserved
 * characters, sort query pairs by encoded key then value, lower-case and sort
 * header names, trim header values and collapse runs of blanks, and join
 * repeated header names with commas in the order they were given.
 *
 * Secrets never appear in any string this file builds; intermediate keys are
 * wiped with OPENSSL_cleanse before their memory is released.
 */
#include "sigv4.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR	"aws4_request"
#define SHA256_LEN			32
#define SHA256_HEX_LEN		64

/* Arrays up to this size live on the stack; real requests stay far below. */
#define SIGV4_STACK_ITEMS	32

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

/* A header reduced to what sorting needs: trimmed name and arrival index. */
typedef struct HeaderRef
{
	const char *name;
	size_t		namelen;
	const char *value;
	size_t		index;
} HeaderRef;

/* One query pair, already encoded, pointing into a scratch buffer. */
typedef struct QueryPair
{
	const char *key;
	size_t		keylen;
	const char *value;
	size_t		valuelen;
} QueryPair;

static void
to_hex(const unsigned char *in, size_t len, char *out)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/*
 * OpenSSL 3 looks algorithms up by name on every implicit use (EVP_sha256(),
 * HMAC()), which cost more than the hashing itself here: about 1 us per
 * digest and 3 us per HMAC.  So SHA-256 is fetched once, and HMAC contexts
 * are duplicated from a template whose digest is already set, which brings
 * a warm-cache signature down to a few microseconds.  The objects live for
 * the life of the process; CRYPTO_THREAD_run_once keeps the lazy setup safe
 * should a caller sign from several threads.
 */
static CRYPTO_ONCE crypto_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *sha256_md = NULL;
static EVP_MAC_CTX *hmac_template = NULL;

/*
 * Registered after OpenSSL's own exit handler, so it runs before it: this
 * keeps leak checkers quiet without touching freed provider state.
 */
static void
crypto_release(void)
{
	EVP_MAC_CTX_free(hmac_template);
	hmac_template = NULL;
	EVP_MD_free(sha256_md);
	sha256_md = NULL;
}

static void
crypto_init(void)
{
	static char digest_name[] = "SHA256";
	EVP_MAC    *mac;
	OSSL_PARAM	params[2];

	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	(void) atexit(crypto_release);
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		return;
	hmac_template = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);			/* the context keeps its own reference */
	if (hmac_template == NULL)
		return;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
												 digest_name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hmac_template, params) != 1)
	{
		EVP_MAC_CTX_free(hmac_template);
		hmac_template = NULL;
	}
}

static bool
crypto_ready(void)
{
	return CRYPTO_THREAD_run_once(&crypto_once, crypto_init) == 1 &&
		sha256_md != NULL && hmac_template != NULL;
}

static bool
sha256(const void *data, size_t len, unsigned char *out)
{
	static const char empty[1] = "";

	if (!crypto_ready())
		return false;
	/* EVP_Digest wants a valid pointer even for an empty input. */
	if (data == NULL)
		data = empty;
	return EVP_Digest(data, len, out, NULL, sha256_md, NULL) == 1;
}

static bool
hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
			unsigned char *out)
{
	EVP_MAC_CTX *ctx;
	size_t		outlen = 0;
	bool		ok;

	if (!crypto_ready())
		return false;
	ctx = EVP_MAC_CTX_dup(hmac_template);
	if (ctx == NULL)
		return false;
	/* freeing the context also wipes the key OpenSSL copied into it */
	ok = EVP_MAC_init(ctx, key, keylen, NULL) == 1 &&
		EVP_MAC_update(ctx, data, len) == 1 &&
		EVP_MAC_final(ctx, out, &outlen, SHA256_LEN) == 1 &&
		outlen == SHA256_LEN;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

static inline bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Header whitespace: blanks, plus CR/LF so a folded value cannot break lines. */
static inline bool
is_header_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static inline int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends one byte in AWS's URI encoding; returns the new end. */
static inline char *
encode_byte(char *out, unsigned char c)
{
	if (is_unreserved(c))
		*out++ = (char) c;
	else
	{
		*out++ = '%';
		*out++ = hex_upper[c >> 4];
		*out++ = hex_upper[c & 0x0f];
	}
	return out;
}

static char *
encode_bytes(char *out, const char *in, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		out = encode_byte(out, (unsigned char) in[i]);
	return out;
}

/*
 * Query components may arrive raw ("a b", UTF-8) or already escaped
 * ("a%20b"); decoding valid %XX escapes before encoding makes both spell the
 * same canonical string, the one AWS computes from what it receives.  A '%'
 * that does not start an escape is taken literally.  '+' is a literal plus
 * (AWS does not read it as a space), so it becomes %2B.
 */
static char *
reencode_bytes(char *out, const char *in, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = (unsigned char) in[i];

		if (c == '%' && i + 2 < len)
		{
			int			hi = hex_value((unsigned char) in[i + 1]);
			int			lo = hex_value((unsigned char) in[i + 2]);

			if (hi >= 0 && lo >= 0)
			{
				out = encode_byte(out, (unsigned char) (hi << 4 | lo));
				i += 3;
				continue;
			}
		}
		out = encode_byte(out, c);
		i++;
	}
	return out;
}

/*
 * Canonical URI.  Without normalization (S3) the path is encoded as given.
 * With it, empty and "." segments vanish and ".." drops the previous segment,
 * as RFC 3986 dot-segment removal does; a trailing slash survives when the
 * last raw segment was empty, "." or "..".  The output always starts with
 * '/', which AWS expects even when the path is empty.
 */
static char *
append_canonical_uri(char *out, const char *path, bool normalize)
{
	char	   *start = out;
	const char *p = path ? path : "";
	size_t		len = strlen(p);
	const char *end = p + len;
	bool		trailing_slash = false;

	*out++ = '/';
	if (!normalize)
	{
		if (*p == '/')
			p++;
		while (p < end)
		{
			if (*p == '/')
				*out++ = '/';
			else
				out = encode_byte(out, (unsigned char) *p);
			p++;
		}
		return out;
	}

	while (p <= end)
	{
		const char *seg = p;
		size_t		seglen;

		while (p < end && *p != '/')
			p++;
		seglen = p - seg;
		p++;					/* past the '/' or the end */

		/* Whether the final segment asks for a directory-style path. */
		trailing_slash = (seglen == 0 ||
						  (seglen == 1 && seg[0] == '.') ||
						  (seglen == 2 && seg[0] == '.' && seg[1] == '.'));

		if (seglen == 0 || (seglen == 1 && seg[0] == '.'))
			continue;
		if (seglen == 2 && seg[0] == '.' && seg[1] == '.')
		{
			/* out ends with '/'; back up to the '/' before the last segment */
			if (out - start > 1)
			{
				out--;
				while (out[-1] != '/')
					out--;
			}
			continue;
		}
		out = encode_bytes(out, seg, seglen);
		*out++ = '/';
	}

	if (!trailing_slash && out - start > 1)
		out--;
	return out;
}

static int
query_pair_cmp(const void *pa, const void *pb)
{
	const QueryPair *a = pa;
	const QueryPair *b = pb;
	size_t		n = a->keylen < b->keylen ? a->keylen : b->keylen;
	int			c = memcmp(a->key, b->key, n);

	if (c != 0)
		return c;
	if (a->keylen != b->keylen)
		return a->keylen < b->keylen ? -1 : 1;
	n = a->valuelen < b->valuelen ? a->valuelen : b->valuelen;
	c = memcmp(a->value, b->value, n);
	if (c != 0)
		return c;
	if (a->valuelen != b->valuelen)
		return a->valuelen < b->valuelen ? -1 : 1;
	return 0;
}

/*
 * Canonical query string.  Returns the new end, or NULL when out of memory.
 * Pairs without '=' get an empty value and empty pairs ("a=1&&b=2") are
 * dropped, as the AWS SDKs do.
 */
static char *
append_canonical_query(char *out, const char *query)
{
	QueryPair	stack_pairs[SIGV4_STACK_ITEMS];
	QueryPair  *pairs = stack_pairs;
	char	   *scratch;
	char	   *s;
	size_t		qlen;
	size_t		maxpairs = 1;
	size_t		npairs = 0;
	size_t		i;
	const char *p;
	const char *end;

	if (query == NULL || *query == '\0')
		return out;

	qlen = strlen(query);
	for (p = query; *p; p++)
		if (*p == '&')
			maxpairs++;

	scratch = malloc(3 * qlen + 1);
	if (scratch == NULL)
		return NULL;
	if (maxpairs > SIGV4_STACK_ITEMS)
	{
		pairs = malloc(maxpairs * sizeof(QueryPair));
		if (pairs == NULL)
		{
			free(scratch);
			return NULL;
		}
	}

	s = scratch;
	p = query;
	end = query + qlen;
	while (p < end)
	{
		const char *pair = p;
		const char *eq = NULL;
		const char *pend;

		while (p < end && *p != '&')
		{
			if (*p == '=' && eq == NULL)
				eq = p;
			p++;
		}
		pend = p;
		p++;
		if (pend == pair)
			continue;

		pairs[npairs].key = s;
		s = reencode_bytes(s, pair, (eq ? eq : pend) - pair);
		pairs[npairs].keylen = s - pairs[npairs].key;
		pairs[npairs].value = s;
		if (eq)
			s = reencode_bytes(s, eq + 1, pend - (eq + 1));
		pairs[npairs].valuelen = s - pairs[npairs].value;
		npairs++;
	}

	qsort(pairs, npairs, sizeof(QueryPair), query_pair_cmp);

	for (i = 0; i < npairs; i++)
	{
		if (i > 0)
			*out++ = '&';
		memcpy(out, pairs[i].key, pairs[i].keylen);
		out += pairs[i].keylen;
		*out++ = '=';
		memcpy(out, pairs[i].value, pairs[i].valuelen);
		out += pairs[i].valuelen;
	}

	if (pairs != stack_pairs)
		free(pairs);
	free(scratch);
	return out;
}

/* Orders by lower-cased name, then arrival, so repeated names keep order. */
static int
header_ref_cmp(const void *pa, const void *pb)
{
	const HeaderRef *a = pa;
	const HeaderRef *b = pb;
	size_t		n = a->namelen < b->namelen ? a->namelen : b->namelen;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		unsigned char ca = ascii_lower((unsigned char) a->name[i]);
		unsigned char cb = ascii_lower((unsigned char) b->name[i]);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	if (a->namelen != b->namelen)
		return a->namelen < b->namelen ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return 0;
}

static bool
same_header_name(const HeaderRef *a, const HeaderRef *b)
{
	size_t		i;

	if (a->namelen != b->namelen)
		return false;
	for (i = 0; i < a->namelen; i++)
		if (ascii_lower((unsigned char) a->name[i]) !=
			ascii_lower((unsigned char) b->name[i]))
			return false;
	return true;
}

static char *
append_lower(char *out, const char *in, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		*out++ = (char) ascii_lower((unsigned char) in[i]);
	return out;
}

/* AWS's "Trimall": strip both ends, fold every blank run into one space. */
static char *
append_trimmed_value(char *out, const char *value)
{
	const unsigned char *p = (const unsigned char *) (value ? value : "");
	bool		pending_space = false;
	bool		any = false;

	for (; *p; p++)
	{
		if (is_header_space(*p))
		{
			pending_space = any;
			continue;
		}
		if (pending_space)
			*out++ = ' ';
		pending_space = false;
		any = true;
		*out++ = (char) *p;
	}
	return out;
}

/*
 * Builds the canonical request.  *signed_off / *signed_len locate the
 * SignedHeaders list inside it, which the Authorization header repeats.
 */
static char *
build_canonical_request(const SigV4Request *req, size_t *signed_off,
						size_t *signed_len)
{
	HeaderRef	stack_refs[SIGV4_STACK_ITEMS];
	HeaderRef  *refs = stack_refs;
	size_t		nrefs = 0;
	size_t		bound;
	size_t		pathlen = req->path ? strlen(req->path) : 0;
	size_t		querylen = req->query ? strlen(req->query) : 0;
	size_t		i;
	char	   *buf = NULL;
	char	   *out;
	char	   *signed_start;
	unsigned char digest[SHA256_LEN];

	if (req->method == NULL || (req->nheaders > 0 && req->headers == NULL) ||
		(req->payload == NULL && req->payload_len > 0))
		return NULL;

	if (req->nheaders > SIGV4_STACK_ITEMS)
	{
		refs = malloc(req->nheaders * sizeof(HeaderRef));
		if (refs == NULL)
			return NULL;
	}

	/*
	 * Upper bound of the result: encoding at most triples a byte, a query
	 * pair may gain an '=', each header costs its name twice (headers and
	 * SignedHeaders) plus value and separators.
	 */
	bound = strlen(req->method) + 1 + 3 * pathlen + 2 + 1 + 4 * querylen + 1;
	for (i = 0; i < req->nheaders; i++)
	{
		const char *name = req->headers[i].name;
		const char *value = req->headers[i].value;
		const char *nend;

		if (name == NULL)
			continue;
		while (is_header_space((unsigned char) *name))
			name++;
		nend = name + strlen(name);
		while (nend > name && is_header_space((unsigned char) nend[-1]))
			nend--;
		if (nend == name)
			continue;			/* a nameless header cannot be signed */

		refs[nrefs].name = name;
		refs[nrefs].namelen = nend - name;
		refs[nrefs].value = value;
		refs[nrefs].index = i;
		nrefs++;
		bound += 2 * (nend - name) + (value ? strlen(value) : 0) + 3;
	}
	bound += 1 + 1 + SHA256_HEX_LEN + 1;

	qsort(refs, nrefs, sizeof(HeaderRef), header_ref_cmp);

	buf = malloc(bound);
	if (buf == NULL)
		goto fail;
	out = buf;

	i = strlen(req->method);
	memcpy(out, req->method, i);
	out += i;
	*out++ = '\n';

	out = append_canonical_uri(out, req->path, req->normalize_path);
	*out++ = '\n';

	out = append_canonical_query(out, req->query);
	if (out == NULL)
		goto fail;
	*out++ = '\n';

	for (i = 0; i < nrefs; i++)
	{
		if (i > 0 && same_header_name(&refs[i - 1], &refs[i]))
		{
			out--;				/* replace the previous '\n' */
			*out++ = ',';
		}
		else
		{
			out = append_lower(out, refs[i].name, refs[i].namelen);
			*out++ = ':';
		}
		out = append_trimmed_value(out, refs[i].value);
		*out++ = '\n';
	}
	*out++ = '\n';

	signed_start = out;
	for (i = 0; i < nrefs; i++)
	{
		if (i > 0 && same_header_name(&refs[i - 1], &refs[i]))
			continue;
		if (out != signed_start)
			*out++ = ';';
		out = append_lower(out, refs[i].name, refs[i].namelen);
	}
	if (signed_off)
		*signed_off = signed_start - buf;
	if (signed_len)
		*signed_len = out - signed_start;
	*out++ = '\n';

	if (!sha256(req->payload, req->payload_len, digest))
		goto fail;
	to_hex(digest, SHA256_LEN, out);
	out += SHA256_HEX_LEN;
	*out = '\0';

	if (refs != stack_refs)
		free(refs);
	return buf;

fail:
	free(buf);
	if (refs != stack_refs)
		free(refs);
	return NULL;
}

/* X-Amz-Date is exactly YYYYMMDD'T'HHMMSS'Z'; anything else cannot sign. */
static bool
valid_amz_date(const char *d)
{
	int			i;

	if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return false;
	for (i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return false;
	return true;
}

static bool
valid_params(const SigV4Params *params)
{
	return params != NULL && params->access_key_id != NULL &&
		params->secret_access_key != NULL && params->region != NULL &&
		params->service != NULL && valid_amz_date(params->amz_date);
}

/*
 * The four-step key derivation.  Every intermediate key is wiped, since any
 * of them signs for a whole day.
 */
static bool
derive_signing_key(const SigV4Params *params, unsigned char *key)
{
	size_t		secretlen = strlen(params->secret_access_key);
	unsigned char stack_secret[128];
	unsigned char *ksecret = stack_secret;
	unsigned char k1[SHA256_LEN];
	unsigned char k2[SHA256_LEN];
	bool		ok;

	if (secretlen + 4 > sizeof(stack_secret))
	{
		ksecret = malloc(secretlen + 4);
		if (ksecret == NULL)
			return false;
	}
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, params->secret_access_key, secretlen);

	ok = hmac_sha256(ksecret, secretlen + 4, params->amz_date, 8, k1) &&
		hmac_sha256(k1, SHA256_LEN, params->region,
					strlen(params->region), k2) &&
		hmac_sha256(k2, SHA256_LEN, params->service,
					strlen(params->service), k1) &&
		hmac_sha256(k1, SHA256_LEN, SIGV4_TERMINATOR,
					strlen(SIGV4_TERMINATOR), key);

	OPENSSL_cleanse(ksecret, secretlen + 4);
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	if (ksecret != stack_secret)
		free(ksecret);
	if (!ok)
		OPENSSL_cleanse(key, SHA256_LEN);
	return ok;
}

/*
 * Returns the signing key, from the cache when date, region, service and the
 * secret's digest all match.  Region or service names too long for the cache
 * simply bypass it.
 */
static bool
get_signing_key(const SigV4Params *params, SigV4KeyCache *cache,
				unsigned char *key)
{
	unsigned char digest[SHA256_LEN];
	size_t		regionlen;
	size_t		servicelen;

	if (cache == NULL)
		return derive_signing_key(params, key);

	regionlen = strlen(params->region);
	servicelen = strlen(params->service);
	if (regionlen >= sizeof(cache->region) ||
		servicelen >= sizeof(cache->service))
		return derive_signing_key(params, key);

	if (!sha256(params->secret_access_key,
				strlen(params->secret_access_key), digest))
		return false;

	if (cache->valid &&
		memcmp(cache->date, params->amz_date, 8) == 0 &&
		strcmp(cache->region, params->region) == 0 &&
		strcmp(cache->service, params->service) == 0 &&
		CRYPTO_memcmp(cache->secret_digest, digest, SHA256_LEN) == 0)
	{
		memcpy(key, cache->key, SHA256_LEN);
		return true;
	}

	cache->valid = false;
	if (!derive_signing_key(params, key))
		return false;
	memcpy(cache->date, params->amz_date, 8);
	cache->date[8] = '\0';
	memcpy(cache->region, params->region, regionlen + 1);
	memcpy(cache->service, params->service, servicelen + 1);
	memcpy(cache->secret_digest, digest, SHA256_LEN);
	memcpy(cache->key, key, SHA256_LEN);
	cache->valid = true;
	return true;
}

void
sigv4_format_amz_date(time_t t, char *buf)
{
	struct tm	tm;

	/* An empty string makes the signer refuse rather than sign garbage. */
	if (gmtime_r(&t, &tm) == NULL ||
		strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		buf[0] = '\0';
}

void
sigv4_sha256_hex(const void *data, size_t len, char *hex)
{
	unsigned char digest[SHA256_LEN];

	if (!sha256(data, len, digest))
	{
		hex[0] = '\0';
		return;
	}
	to_hex(digest, SHA256_LEN, hex);
}

char *
sigv4_canonical_request(const SigV4Request *req)
{
	if (req == NULL)
		return NULL;
	return build_canonical_request(req, NULL, NULL);
}

char *
sigv4_string_to_sign(const SigV4Params *params, const char *canonical_request)
{
	unsigned char digest[SHA256_LEN];
	size_t		len;
	char	   *sts;
	char	   *out;
	size_t		n;

	if (params == NULL || canonical_request == NULL ||
		params->region == NULL || params->service == NULL ||
		!valid_amz_date(params->amz_date))
		return NULL;

	if (!sha256(canonical_request, strlen(canonical_request), digest))
		return NULL;

	len = sizeof(SIGV4_ALGORITHM) + 16 + 1 + 8 + 1 + strlen(params->region) +
		1 + strlen(params->service) + 1 + sizeof(SIGV4_TERMINATOR) +
		SHA256_HEX_LEN + 1;
	sts = malloc(len);
	if (sts == NULL)
		return NULL;

	out = sts;
	memcpy(out, SIGV4_ALGORITHM "\n", sizeof(SIGV4_ALGORITHM));
	out += sizeof(SIGV4_ALGORITHM);
	memcpy(out, params->amz_date, 16);
	out += 16;
	*out++ = '\n';
	memcpy(out, params->amz_date, 8);
	out += 8;
	*out++ = '/';
	n = strlen(params->region);
	memcpy(out, params->region, n);
	out += n;
	*out++ = '/';
	n = strlen(params->service);
	memcpy(out, params->service, n);
	out += n;
	*out++ = '/';
	memcpy(out, SIGV4_TERMINATOR "\n", sizeof(SIGV4_TERMINATOR));
	out += sizeof(SIGV4_TERMINATOR);
	to_hex(digest, SHA256_LEN, out);
	return sts;
}

char *
sigv4_authorization(const SigV4Request *req, const SigV4Params *params,
					SigV4KeyCache *cache, char **creq_out, char **sts_out)
{
	char	   *creq = NULL;
	char	   *sts = NULL;
	char	   *authz = NULL;
	size_t		signed_off = 0;
	size_t		signed_len = 0;
	unsigned char key[SHA256_LEN];
	unsigned char sig[SHA256_LEN];
	char		sighex[SHA256_HEX_LEN + 1];
	const char *scope;
	size_t		scopelen;
	size_t		akidlen;
	size_t		len;
	char	   *out;

	if (creq_out)
		*creq_out = NULL;
	if (sts_out)
		*sts_out = NULL;
	if (req == NULL || !valid_params(params))
		return NULL;

	creq = build_canonical_request(req, &signed_off, &signed_len);
	if (creq == NULL)
		return NULL;
	sts = sigv4_string_to_sign(params, creq);
	if (sts == NULL)
		goto done;

	if (!get_signing_key(params, cache, key))
		goto done;
	if (!hmac_sha256(key, SHA256_LEN, sts, strlen(sts), sig))
	{
		OPENSSL_cleanse(key, sizeof(key));
		goto done;
	}
	OPENSSL_cleanse(key, sizeof(key));
	to_hex(sig, SHA256_LEN, sighex);

	/* The credential scope is the third line of the string to sign. */
	scope = sts + sizeof(SIGV4_ALGORITHM) + 16 + 1;
	scopelen = strchr(scope, '\n') - scope;
	akidlen = strlen(params->access_key_id);

	len = sizeof(SIGV4_ALGORITHM " Credential=") - 1 + akidlen + 1 +
		scopelen + sizeof(", SignedHeaders=") - 1 + signed_len +
		sizeof(", Signature=") - 1 + SHA256_HEX_LEN + 1;
	authz = malloc(len);
	if (authz == NULL)
		goto done;

	out = authz;
#define APPEND(s, n) do { memcpy(out, (s), (n)); out += (n); } while (0)
#define APPEND_LIT(lit) APPEND(lit, sizeof(lit) - 1)
	APPEND_LIT(SIGV4_ALGORITHM " Credential=");
	APPEND(params->access_key_id, akidlen);
	*out++ = '/';
	APPEND(scope, scopelen);
	APPEND_LIT(", SignedHeaders=");
	APPEND(creq + signed_off, signed_len);
	APPEND_LIT(", Signature=");
	APPEND(sighex, SHA256_HEX_LEN);
	*out = '\0';
#undef APPEND_LIT
#undef APPEND

done:
	if (authz != NULL && creq_out)
	{
		*creq_out = creq;
		creq = NULL;
	}
	if (authz != NULL && sts_out)
	{
		*sts_out = sts;
		sts = NULL;
	}
	free(creq);
	free(sts);
	return authz;
}
