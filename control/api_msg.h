/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The API socket between brinksh (or any client) and brinkd.
 *
 * Transport: a UNIX SOCK_SEQPACKET socket (default /run/brink/brinkd.sock),
 * so every message keeps its boundaries. One connection is one CLI session
 * with its own mode and candidate configuration; closing it ends the session
 * and drops uncommitted changes.
 *
 * Greeting: on connect brinkd sends one reply before it reads anything. Its
 * status is 0 when a session is open; otherwise it carries API_F_CLOSED, a
 * negative errno (-EBUSY: every session is taken) and a text saying why,
 * and brinkd closes the connection.
 *
 * Request: struct api_req_hdr then len bytes of command line text (no NUL),
 * e.g. "set protocols static route 10.20.0.0/16 next-hop 192.168.10.2".
 * Reply: one or more messages, each struct api_reply_hdr then len bytes of
 * text (at most API_TEXT_MAX); all but the last carry API_F_MORE. status is
 * 0 when the command succeeded, otherwise a negative errno and the text says
 * what was wrong. Every reply message carries the session's mode after the
 * command (API_F_CONFIG) and API_F_CLOSED when the session is over.
 *
 * brinkd also sends a reply nobody asked for when it ends a session by
 * itself: after the idle timeout (brinkd -i) a reply with API_F_CLOSED,
 * status -ETIMEDOUT and a text saying why, then it closes the connection. A
 * client sees it as the answer to whatever it sends next, or reads it when
 * the socket becomes readable with no request pending.
 *
 * A command that goes on producing output (ping, monitor ...) sends it as
 * replies with API_F_MORE | API_F_STREAM as it comes, and a last one when it ends. The
 * client stops it early with a request flagged API_F_INTERRUPT (its text is
 * ignored; any request while a command runs is taken as one): what the
 * command says as it winds down and its last reply follow. An interrupt
 * while no command runs is ignored and gets no reply.
 *
 * Every reply carries the session's edit level after the command (the
 * configuration path set by "edit", empty at the top), for the prompt.
 *
 * Both headers start with the version: a peer of another version gets
 * -EPROTONOSUPPORT from api_recv_*() with the header's version filled in, so
 * it can say which version the other side speaks.
 * Multi-byte fields are host order: both ends run on the same host.
 */
#ifndef BRINK_API_MSG_H
#define BRINK_API_MSG_H

#include <stddef.h>
#include <stdint.h>

#define API_VERSION 3 /* 2: greeting on connect, replies on idle close; 3: streaming, interrupt, edit level */
#define API_TEXT_MAX (60 * 1024)

/* request flags */
#define API_F_JSON 0x0001      /* answer in JSON */
#define API_F_INTERRUPT 0x0002 /* stop the command still producing output */

/* reply flags */
#define API_F_MORE 0x0001   /* another reply message follows */
#define API_F_CONFIG 0x0002 /* the session is in configuration mode */
#define API_F_CLOSED 0x0004 /* the session ended; brinkd closes the connection */
#define API_F_STREAM 0x0008 /* output of a command that streams: shown as it comes, never paged */

struct api_req_hdr {
	uint16_t version; /* API_VERSION */
	uint16_t flags;   /* API_F_JSON */
	uint32_t len;     /* text bytes after the header */
};

struct api_reply_hdr {
	uint16_t version;   /* API_VERSION */
	uint16_t flags;     /* API_F_MORE | API_F_CONFIG | API_F_CLOSED | API_F_STREAM */
	int32_t status;     /* 0 or -errno */
	uint32_t len;       /* text bytes after the header */
	uint16_t level_len; /* then the edit level, this many bytes (no NUL) */
	uint16_t reserved;
};

#define API_LEVEL_MAX 1024

/* Return 0 or -errno. */
int api_send_request(int fd, uint16_t flags, const char *text);
/* Sends text (len bytes, may be 0) as as many chunks as needed, each with
 * the edit level (NULL: none). */
int api_send_reply(int fd, int32_t status, uint16_t flags, const char *text, size_t len, const char *level);

/* Receive one message; text is NUL-terminated (cap >= API_TEXT_MAX + 1).
 * Return the text length, -ECONNRESET on orderly close, -EPROTONOSUPPORT for
 * another API version, -EPROTO for a malformed message (length mismatch, NUL
 * in a request), or -errno. */
int api_recv_request(int fd, struct api_req_hdr *h, char *text, size_t cap);
/* The same for a reply, whose edit level goes NUL-terminated to level
 * (level_cap >= API_LEVEL_MAX + 1; level may be NULL). */
int api_recv_reply(int fd, struct api_reply_hdr *h, char *text, size_t cap, char *level, size_t level_cap);

#endif
