/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/api_msg.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

static int send_parts(int fd, const void *hdr, size_t hdr_len, const void *text, size_t len)
{
	struct iovec iov[2] = {
		{.iov_base = (void *)hdr, .iov_len = hdr_len},
		{.iov_base = (void *)text, .iov_len = len},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	ssize_t n;

	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == hdr_len + len ? 0 : -EIO;
}

int api_send_request(int fd, uint16_t flags, const char *text)
{
	size_t len = strlen(text);
	struct api_req_hdr h = {.version = API_VERSION, .flags = flags, .len = (uint32_t)len};

	if (len > API_TEXT_MAX)
		return -EMSGSIZE;
	return send_parts(fd, &h, sizeof(h), text, len);
}

int api_send_reply(int fd, int32_t status, uint16_t flags, const char *text, size_t len)
{
	do {
		bool more = len > API_TEXT_MAX;
		size_t n = more ? API_TEXT_MAX : len;
		struct api_reply_hdr h = {
			.version = API_VERSION,
			.flags = (uint16_t)(flags | (more ? API_F_MORE : 0)),
			.status = status,
			.len = (uint32_t)n,
		};
		int rc = send_parts(fd, &h, sizeof(h), text, n);
		if (rc < 0)
			return rc;
		text += n;
		len -= n;
	} while (len);
	return 0;
}

/* Both headers start with version, in every API version; len_field points
 * at the header's len inside hdr, which is filled before it is read. */
static int recv_msg(int fd, void *hdr, size_t hdr_len, const uint32_t *len_field, char *text, size_t cap)
{
	char buf[sizeof(struct api_reply_hdr) + API_TEXT_MAX];
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
	if (*len_field != (size_t)n - hdr_len || *len_field >= cap)
		return -EPROTO;
	memcpy(text, buf + hdr_len, *len_field);
	text[*len_field] = '\0';
	return (int)*len_field;
}

int api_recv_request(int fd, struct api_req_hdr *h, char *text, size_t cap)
{
	int n = recv_msg(fd, h, sizeof(*h), &h->len, text, cap);

	if (n > 0 && strlen(text) != (size_t)n)
		return -EPROTO;
	return n;
}

int api_recv_reply(int fd, struct api_reply_hdr *h, char *text, size_t cap)
{
	return recv_msg(fd, h, sizeof(*h), &h->len, text, cap);
}
