/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int msg_send(int fd, const struct dp_msg_hdr *hdr, const void *body, size_t body_len)
{
	struct dp_msg_hdr h = *hdr;
	struct iovec iov[2] = {
		{.iov_base = &h, .iov_len = sizeof(h)},
		{.iov_base = (void *)body, .iov_len = body_len},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = body_len ? 2 : 1};
	ssize_t n;

	if (sizeof(h) + body_len > DP_MSG_MAX_LEN)
		return -EMSGSIZE;
	h.version = DP_MSG_VERSION;
	h.len = (uint32_t)(sizeof(h) + body_len);
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == h.len ? 0 : -EIO;
}

int msg_recv(int fd, void *buf, size_t buf_len)
{
	struct dp_msg_hdr *h = buf;
	ssize_t n;

	do
		n = recv(fd, buf, buf_len, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n > buf_len || (size_t)n < sizeof(*h))
		return -EPROTO;
	if (h->version != DP_MSG_VERSION || h->len != (uint32_t)n || h->type == 0 || h->type >= DP_MSG_TYPE_MAX)
		return -EPROTO;
	return (int)n;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int msg_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc = unix_addr(path, &sa);

	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int msg_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc = unix_addr(path, &sa);

	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 || listen(fd, 8) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}
