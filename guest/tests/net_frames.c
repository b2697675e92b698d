// SPDX-License-Identifier: GPL-2.0-only
/*
 * DHCPDISCOVER/DHCPOFFER (RFC 2131: message format in 2, BOOTP's 548-byte
 * minimum in 2; options in RFC 2132) over UDP/IPv4 (RFC 768, RFC 791),
 * and ARP request/reply (RFC 826). Everything on the wire is big-endian.
 */
#include <linux/if_ether.h>

#include "print.h"
#include "string.h"
#include "net_frames.h"

#define IP_OFF ETH_HLEN
#define IP_HLEN 20
#define UDP_OFF (IP_OFF + IP_HLEN)
#define UDP_HLEN 8
#define BOOTP_OFF (UDP_OFF + UDP_HLEN)
#define BOOTP_LEN (DHCP_FRAME_LEN - BOOTP_OFF)
#define BOOTP_XID 4
#define BOOTP_FLAGS 10
#define BOOTP_YIADDR 16
#define BOOTP_CHADDR 28
#define BOOTP_MAGIC 236
#define BOOTP_OPTIONS 240
#define DHCP_MAGIC 0x63825363
#define ARP_OFF ETH_HLEN
#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2

enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_MSG_TYPE = 53,
	OPT_SERVER = 54,
	OPT_PARAMS = 55,
	OPT_END = 255
};
enum { DHCPDISCOVER = 1, DHCPOFFER = 2 };

static const uint8_t broadcast[ETH_ADDR_LEN] = { 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

void ipv4_format(char out[16], uint32_t ip)
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff,
		 ip >> 8 & 0xff, ip & 0xff);
}

void mac_format(char out[18], const uint8_t *mac)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

static void put_eth(uint8_t *frame, const uint8_t *dst, const uint8_t *src,
		    uint16_t type)
{
	memcpy(frame, dst, ETH_ADDR_LEN);
	memcpy(frame + ETH_ADDR_LEN, src, ETH_ADDR_LEN);
	put16(frame + 2 * ETH_ADDR_LEN, type);
}

/* RFC 791's header checksum: one's complement of the one's complement
 * sum of the header's 16-bit words. */
static uint16_t ip_checksum(const uint8_t *hdr, unsigned int len)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < len; i += 2)
		sum += get16(hdr + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* 0.0.0.0:68 -> 255.255.255.255:67, UDP checksum 0 (none, RFC 768). */
static void put_ip_udp(uint8_t *frame, uint16_t payload_len)
{
	uint8_t *ip = frame + IP_OFF, *udp = frame + UDP_OFF;

	ip[0] = 0x45; /* version 4, 5 words */
	put16(ip + 2, (uint16_t)(IP_HLEN + UDP_HLEN + payload_len));
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	put32(ip + 16, 0xffffffff);
	put16(ip + 10, ip_checksum(ip, IP_HLEN));
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)(UDP_HLEN + payload_len));
}

void dhcp_build_discover(uint8_t *frame, const uint8_t *mac, uint32_t xid)
{
	static const uint8_t options[] = {
		OPT_MSG_TYPE, 1,	  DHCPDISCOVER, OPT_PARAMS, 3,
		OPT_MASK,     OPT_ROUTER, OPT_SERVER,	OPT_END,
	};
	uint8_t *bootp = frame + BOOTP_OFF;

	memset(frame, 0, DHCP_FRAME_LEN);
	put_eth(frame, broadcast, mac, ETH_P_IP);
	put_ip_udp(frame, BOOTP_LEN);
	bootp[0] = 1; /* BOOTREQUEST */
	bootp[1] = 1; /* Ethernet */
	bootp[2] = ETH_ADDR_LEN;
	put32(bootp + BOOTP_XID, xid);
	put16(bootp + BOOTP_FLAGS, 0x8000); /* reply by broadcast */
	memcpy(bootp + BOOTP_CHADDR, mac, ETH_ADDR_LEN);
	put32(bootp + BOOTP_MAGIC, DHCP_MAGIC);
	memcpy(bootp + BOOTP_OPTIONS, options, sizeof(options));
}

/* The UDP payload of an IPv4 frame to port @port, or NULL; *len gets its
 * length, bounded by the frame and the IP and UDP length fields. */
static const uint8_t *udp_payload(const uint8_t *frame, uint32_t len,
				  uint16_t port, uint32_t *plen)
{
	const uint8_t *ip = frame + IP_OFF, *udp;
	uint32_t ihl, total, ulen;

	if (len < UDP_OFF + UDP_HLEN || get16(frame + 12) != ETH_P_IP ||
	    ip[0] >> 4 != 4 || ip[9] != 17)
		return NULL;
	ihl = (ip[0] & 0xfu) * 4;
	total = get16(ip + 2);
	if (ihl < IP_HLEN || total > len - IP_OFF || total < ihl + UDP_HLEN)
		return NULL;
	udp = ip + ihl;
	ulen = get16(udp + 4);
	if (get16(udp + 2) != port || ulen < UDP_HLEN || ulen > total - ihl)
		return NULL;
	*plen = ulen - UDP_HLEN;
	return udp + UDP_HLEN;
}

/* One option's value into @o; @len is what the option says it has. */
static void take_option(uint8_t code, const uint8_t *v, uint8_t len,
			struct dhcp_offer *o, uint8_t *type)
{
	if (code == OPT_MSG_TYPE && len == 1)
		*type = v[0];
	else if (code == OPT_SERVER && len == 4)
		o->server = get32(v);
	else if (code == OPT_ROUTER && len >= 4 && len % 4 == 0)
		o->router = get32(v);
	else if (code == OPT_MASK && len == 4)
		o->mask = get32(v);
}

/* Walks the options in @p[0..len) (RFC 2132, 2); the message type, or 0
 * if they run past the end. */
static uint8_t read_options(const uint8_t *p, uint32_t len,
			    struct dhcp_offer *o)
{
	uint8_t type = 0;
	uint32_t i = 0;

	while (i < len && p[i] != OPT_END) {
		if (p[i] == OPT_PAD) {
			i++;
			continue;
		}
		/* Code, length, then that many bytes, all inside. */
		if (i + 2 > len || p[i + 1] > len - i - 2)
			return 0;
		take_option(p[i], p + i + 2, p[i + 1], o, &type);
		i += 2u + p[i + 1];
	}
	return type;
}

bool dhcp_parse_offer(const uint8_t *frame, uint32_t len, const uint8_t *mac,
		      uint32_t xid, struct dhcp_offer *o)
{
	uint32_t blen;
	const uint8_t *b = udp_payload(frame, len, 68, &blen);

	if (!b || blen < BOOTP_OPTIONS || b[0] != 2 /* BOOTREPLY */ ||
	    get32(b + BOOTP_XID) != xid ||
	    memcmp(b + BOOTP_CHADDR, mac, ETH_ADDR_LEN) != 0 ||
	    get32(b + BOOTP_MAGIC) != DHCP_MAGIC)
		return false;
	*o = (struct dhcp_offer){ .yiaddr = get32(b + BOOTP_YIADDR) };
	return read_options(b + BOOTP_OPTIONS, blen - BOOTP_OPTIONS, o) ==
	       DHCPOFFER;
}

/* The 28 bytes of an Ethernet/IPv4 ARP packet (RFC 826). */
static void put_arp(uint8_t *arp, uint16_t op, const uint8_t *sha, uint32_t spa,
		    uint32_t tpa)
{
	put16(arp, 1); /* Ethernet */
	put16(arp + 2, ETH_P_IP);
	arp[4] = ETH_ADDR_LEN;
	arp[5] = 4;
	put16(arp + 6, op);
	memcpy(arp + 8, sha, ETH_ADDR_LEN);
	put32(arp + 14, spa);
	put32(arp + 24, tpa); /* target hardware address (18) left zero */
}

void arp_build_request(uint8_t *frame, const uint8_t *mac, uint32_t ip,
		       uint32_t target_ip)
{
	memset(frame, 0, ARP_FRAME_LEN);
	put_eth(frame, broadcast, mac, ETH_P_ARP);
	put_arp(frame + ARP_OFF, ARP_REQUEST, mac, ip, target_ip);
}

bool arp_parse_reply(const uint8_t *frame, uint32_t len, const uint8_t *mac,
		     uint32_t ip, uint32_t target_ip, uint8_t *target_mac)
{
	const uint8_t *arp = frame + ARP_OFF;

	if (len < ARP_OFF + ARP_LEN || get16(frame + 12) != ETH_P_ARP ||
	    get16(arp) != 1 || get16(arp + 2) != ETH_P_IP ||
	    arp[4] != ETH_ADDR_LEN || arp[5] != 4 ||
	    get16(arp + 6) != ARP_REPLY || get32(arp + 14) != target_ip ||
	    memcmp(arp + 18, mac, ETH_ADDR_LEN) != 0 || get32(arp + 24) != ip)
		return false;
	memcpy(target_mac, arp + 8, ETH_ADDR_LEN);
	return true;
}
