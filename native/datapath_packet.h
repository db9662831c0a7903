// Inner-packet surgery for the userspace data path: Internet checksums, TCP segmentation of the TUN's TSO
// super-packets (IFF_VNET_HDR), and the ICMP "unreachable" a %reject policy answers with. Plain C++.
#pragma once

#include <cstddef>
#include <cstdint>

// struct virtio_net_hdr (linux/virtio_net.h), host byte order on little-endian machines.
struct DpVnetHdr {
  uint8_t flags;
  uint8_t gsoType;
  uint16_t hdrLen;
  uint16_t gsoSize;
  uint16_t csumStart;
  uint16_t csumOffset;
};
static_assert(sizeof(DpVnetHdr) == 10, "virtio_net_hdr is 10 octets");
constexpr uint8_t kVnetNeedsCsum = 1, kVnetDataValid = 2;
constexpr uint8_t kVnetGsoNone = 0, kVnetGsoTcpV4 = 1, kVnetGsoTcpV6 = 4;

// One's-complement sum of `length` octets added to `sum` (not folded, not inverted).
uint64_t DpCsumAdd(uint64_t sum, const uint8_t* data, size_t length);
uint16_t DpCsumFold(uint64_t sum);

// Completes a partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM): the field at start+offset holds the pseudo-header
// sum; the one's complement of the sum over [start, length) goes there. False if out of bounds.
bool DpCompleteCsum(uint8_t* packet, size_t length, size_t start, size_t offset);

// A TCP super-packet split into segments of at most `mss` payload octets.
struct DpTsoPlan {
  size_t ipHeader = 0;   // 20.. (IPv4 with options) or 40 (IPv6 without extension headers)
  size_t tcpHeader = 0;  // 20..60
  size_t payload = 0;    // total TCP payload octets
  size_t mss = 0;
  size_t count = 0;      // number of segments
  bool v6 = false;
};
// False if the packet is not a TCP packet we can segment (we then drop it and count it malformed).
bool DpTsoPrepare(const uint8_t* packet, size_t length, size_t mss, DpTsoPlan* plan);
// Writes segment `index` (a complete IP packet with fresh checksums) at `out`; returns its length.
size_t DpTsoSegment(const uint8_t* packet, const DpTsoPlan& plan, size_t index, uint8_t* out);

// Builds the ICMP (v4: type 3 code 13, v6: type 1 code 1) "administratively prohibited" answer to `packet`,
// from its destination to its source, into `out` (room: 1280 octets). Returns 0 if no answer is due
// (not IP, an ICMP error itself, a fragment).
size_t DpBuildUnreachable(const uint8_t* packet, size_t length, uint8_t* out, size_t room);

// Transport mode (RFC 4303 §3.1.1). The IP header an outbound packet loses: its length and the protocol ESP's
// next header then names (IPv6: extension headers stay in the payload). False for what transport mode cannot
// carry: IPv4 fragments (their offsets live in the header that is taken off), or not IP.
bool DpTransportHeader(const uint8_t* packet, size_t length, size_t* headerLength, uint8_t* nextHeader);
// Writes an IPv4 (family 4: 20 octets, DF, TTL 64) or IPv6 (40 octets, hop limit 64) header at `out` for
// `payloadLength` octets of protocol `proto` from `src` to `dst` (4 or 16 octets); returns its length.
size_t DpBuildIpHeader(uint8_t family, const uint8_t* src, const uint8_t* dst, uint8_t proto, size_t payloadLength,
                       uint8_t* out);
// Gives a packet DpBuildIpHeader made new addresses and fixes its TCP/UDP/ICMPv6 checksum up incrementally
// (RFC 3948 §3.1.2 with RFC 1624: the one's-complement difference of the addresses), so that a checksum the
// sender computed over its own (pre-NAT) addresses verifies again.
void DpRewriteAddresses(uint8_t* packet, size_t length, const uint8_t* src, const uint8_t* dst);
