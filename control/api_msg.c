/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/api_msg.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

static int send_parts(int fd, const void *hdr, size_t hdr_len, const void *text, size_t len, const void *tail,
		      size_t tail_len)
{
	struct iovec iov[3] = {
		{.iov_base = (void *)hdr, .iov_len = hdr_len},
		{.iov_base = (void *)text, .iov_len = len},
		{.iov_base = (void *)tail, .iov_len = tail_len},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 3};
	ssize_t n;

	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == hdr_len + len + tail_len ? 0 : -EIO;
}

int api_send_request(int fd, uint16_t flags, const char *text)
{
	size_t len = strlen(text);
	struct api_req_hdr h = {.version = API_VERSION, .flags = flags, .len = (uint32_t)len};

	if (len > API_TEXT_MAX)
		return -EMSGSIZE;
	return send_parts(fd, &h, sizeof(h), text, len, NULL, 0);
}

int api_send_reply(int fd, int32_t status, uint16_t flags, const char *text, size_t len, const char *level)
{
	size_t level_len = level ? strnlen(level, API_LEVEL_MAX) : 0;

	do {
		bool more = len > API_TEXT_MAX;
		size_t n = more ? API_TEXT_MAX : len;
		struct api_reply_hdr h = {
			.version = API_VERSION,
			.flags = (uint16_t)(flags | (more ? API_F_MORE : 0)),
			.status = status,
			.len = (uint32_t)n,
			.level_len = (uint16_t)level_len,
		};
		int rc = send_parts(fd, &h, sizeof(h), text, n, level, level_len);
		if (rc < 0)
			return rc;
		text += n;
		len -= n;
	} while (len);
	return 0;
}

/* Both headers start with version, in every API version. One message into
 * hdr, text (*len_field bytes, then a NUL) and, for a header with a tail
 * length, what follows the text into tail (then a NUL). len_field and
 * tail_len_field point into hdr, which is filled before they are read. */
static int recv_msg(int fd, void *hdr, size_t hdr_len, const uint32_t *len_field, const uint16_t *tail_len_field,
		    char *text, size_t cap, char *tail, size_t tail_cap)
{
	char buf[sizeof(struct api_reply_hdr) + API_TEXT_MAX + API_LEVEL_MAX];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	uint16_t version;
	if ((size_t)n < sizeof(version))
		return -EPROTO;
	memcpy(&version, buf, sizeof(version));
	if (version != API_VERSION) {
		memcpy(hdr, &version, sizeof(version));
		return -EPROTONOSUPPORT;
	}
	if ((size_t)n > sizeof(buf) || (size_t)n < hdr_len)
		return -EPROTO;
	memcpy(hdr, buf, hdr_len);
	size_t tail_len = tail_len_field ? *tail_len_field : 0;
	if (*len_field + tail_len != (size_t)n - hdr_len || *len_field >= cap || tail_len > API_LEVEL_MAX)
		return -EPROTO;
	memcpy(text, buf + hdr_len, *len_field);
	text[*len_field] = '\0';
	if (tail && tail_cap > tail_len) {
		memcpy(tail, buf + hdr_len + *len_field, tail_len);
		tail[tail_len] = '\0';
	}
	return (int)*len_field;
}

int api_recv_request(int fd, struct api_req_hdr *h, char *text, size_t cap)
{
	int n = recv_msg(fd, h, sizeof(*h), &h->len, NULL, text, cap, NULL, 0);

	if (n > 0 && strlen(text) != (size_t)n)
		return -EPROTO;
	return n;
}

int api_recv_reply(int fd, struct api_reply_hdr *h, char *text, size_t cap, char *level, size_t level_cap)
{
	return recv_msg(fd, h, sizeof(*h), &h->len, &h->level_len, text, cap, level, level_cap);
}
