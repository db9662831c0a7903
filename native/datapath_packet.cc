// Checksums, TSO segmentation and ICMP unreachable answers (RFC 791, 793, 1071, 792, 4443).
#include "datapath_packet.h"

#include <algorithm>
#include <cstring>

namespace {

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Get32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// The pseudo-header sum (RFC 793 / RFC 8200 §8.1) for an upper-layer packet of `l4Length` octets.
uint64_t PseudoSum(const uint8_t* ip, bool v6, uint8_t proto, size_t l4Length) {
  uint64_t sum = v6 ? DpCsumAdd(0, ip + 8, 32) : DpCsumAdd(0, ip + 12, 8);
  return sum + proto + static_cast<uint64_t>(l4Length);
}

}  // namespace

uint64_t DpCsumAdd(uint64_t sum, const uint8_t* data, size_t length) {
  // RFC 1071: the one's-complement sum is byte-order independent, so add native 64-bit loads (as two 32-bit
  // halves into 64-bit accumulators, which cannot overflow for any packet size), fold, and swap to network
  // order once at the end. (Byte-by-byte assembly was 5% of the sender's CPU.)
  uint64_t a = 0, b = 0;
  while (length >= 16) {
    uint64_t x, y;
    std::memcpy(&x, data, 8);
    std::memcpy(&y, data + 8, 8);
    a += (x & 0xFFFFFFFFu) + (x >> 32);
    b += (y & 0xFFFFFFFFu) + (y >> 32);
    data += 16;
    length -= 16;
  }
  a += b;
  while (length >= 4) {
    uint32_t x;
    std::memcpy(&x, data, 4);
    a += x;
    data += 4;
    length -= 4;
  }
  if (length >= 2) {
    uint16_t x;
    std::memcpy(&x, data, 2);
    a += x;
    data += 2;
    length -= 2;
  }
  if (length) {
    uint8_t pair[2] = {data[0], 0};
    uint16_t x;
    std::memcpy(&x, pair, 2);
    a += x;
  }
  uint16_t native = DpCsumFold(a);
  uint16_t bytes[1] = {native};
  const uint8_t* n = reinterpret_cast<const uint8_t*>(bytes);
  return sum + static_cast<uint64_t>((n[0] << 8) | n[1]);
}

uint16_t DpCsumFold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

bool DpCompleteCsum(uint8_t* packet, size_t length, size_t start, size_t offset) {
  if (start >= length || start + offset + 2 > length) return false;
  uint16_t c = static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, packet + start, length - start)));
  Put16(packet + start + offset, c);
  return true;
}

bool DpTsoPrepare(const uint8_t* p, size_t length, size_t mss, DpTsoPlan* plan) {
  if (length < 20 || mss == 0) return false;
  *plan = DpTsoPlan();
  uint8_t version = p[0] >> 4;
  if (version == 4) {
    plan->ipHeader = static_cast<size_t>(p[0] & 0x0F) * 4;
    if (plan->ipHeader < 20 || p[9] != 6) return false;
  } else if (version == 6) {
    if (length < 40 || p[6] != 6) return false;  // TCP right after the fixed header
    plan->ipHeader = 40;
    plan->v6 = true;
  } else {
    return false;
  }
  if (length < plan->ipHeader + 20) return false;
  plan->tcpHeader = static_cast<size_t>(p[plan->ipHeader + 12] >> 4) * 4;
  if (plan->tcpHeader < 20 || plan->ipHeader + plan->tcpHeader > length) return false;
  plan->payload = length - plan->ipHeader - plan->tcpHeader;
  plan->mss = mss;
  plan->count = plan->payload == 0 ? 1 : (plan->payload + mss - 1) / mss;
  return true;
}

size_t DpTsoSegment(const uint8_t* p, const DpTsoPlan& plan, size_t index, uint8_t* out) {
  size_t headers = plan.ipHeader + plan.tcpHeader;
  size_t from = index * plan.mss;
  size_t chunk = std::min(plan.mss, plan.payload - std::min(plan.payload, from));
  bool last = index + 1 == plan.count;
  std::memcpy(out, p, headers);
  std::memcpy(out + headers, p + headers + from, chunk);
  size_t total = headers + chunk;
  uint8_t* tcp = out + plan.ipHeader;
  if (plan.v6) {
    Put16(out + 4, static_cast<uint16_t>(total - 40));
  } else {
    Put16(out + 2, static_cast<uint16_t>(total));
    Put16(out + 4, static_cast<uint16_t>(Get16(p + 4) + index));  // IP ID increments per segment, as Linux does
    Put16(out + 10, 0);
    Put16(out + 10, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, out, plan.ipHeader))));
  }
  Put32(tcp + 4, Get32(p + plan.ipHeader + 4) + static_cast<uint32_t>(from));
  // FIN and PSH belong to the last segment, CWR to the first.
  if (!last) tcp[13] &= static_cast<uint8_t>(~0x09);
  if (index) tcp[13] &= static_cast<uint8_t>(~0x80);
  Put16(tcp + 16, 0);
  size_t l4 = plan.tcpHeader + chunk;
  uint64_t sum = PseudoSum(out, plan.v6, 6, l4);
  Put16(tcp + 16, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(sum, tcp, l4))));
  return total;
}

size_t DpBuildUnreachable(const uint8_t* p, size_t length, uint8_t* out, size_t room) {
  if (length < 20 || room < 1280) return 0;
  uint8_t version = p[0] >> 4;
  if (version == 4) {
    size_t ihl = static_cast<size_t>(p[0] & 0x0F) * 4;
    if (ihl < 20 || length < ihl) return 0;
    if ((Get16(p + 6) & 0x1FFF) != 0) return 0;                      // not the first fragment
    if (p[9] == 1 && (length < ihl + 1 || (p[ihl] != 8 && p[ihl] != 13))) return 0;  // never answer an ICMP error
    size_t quoted = std::min(length, ihl + 8);
    size_t total = 20 + 8 + quoted;
    std::memset(out, 0, 28);
    out[0] = 0x45;
    Put16(out + 2, static_cast<uint16_t>(total));
    out[8] = 64;
    out[9] = 1;
    std::memcpy(out + 12, p + 16, 4);  // from the unreachable destination
    std::memcpy(out + 16, p + 12, 4);
    Put16(out + 10, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, out, 20))));
    out[20] = 3;
    out[21] = 13;
    std::memcpy(out + 28, p, quoted);
    Put16(out + 22, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, out + 20, 8 + quoted))));
    return total;
  }
  if (version == 6) {
    if (length < 40) return 0;
    if (p[6] == 58 && (length < 41 || p[40] < 128)) return 0;  // ICMPv6 errors are below 128
    size_t quoted = std::min(length, static_cast<size_t>(1280 - 48));
    size_t total = 48 + quoted;
    std::memset(out, 0, 48);
    out[0] = 0x60;
    Put16(out + 4, static_cast<uint16_t>(8 + quoted));
    out[6] = 58;
    out[7] = 64;
    std::memcpy(out + 8, p + 24, 16);
    std::memcpy(out + 24, p + 8, 16);
    out[40] = 1;
    out[41] = 1;
    std::memcpy(out + 48, p, quoted);
    uint64_t sum = PseudoSum(out, true, 58, 8 + quoted);
    Put16(out + 42, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(sum, out + 40, 8 + quoted))));
    return total;
  }
  return 0;
}

bool DpTransportHeader(const uint8_t* p, size_t length, size_t* headerLength, uint8_t* nextHeader) {
  if (length < 20) return false;
  if ((p[0] >> 4) == 4) {
    size_t ihl = static_cast<size_t>(p[0] & 0x0F) * 4;
    if (ihl < 20 || ihl > length || (Get16(p + 6) & 0x3FFF) != 0) return false;  // MF or an offset: a fragment
    *headerLength = ihl;
    *nextHeader = p[9];
    return true;
  }
  if ((p[0] >> 4) == 6 && length >= 40) {
    *headerLength = 40;
    *nextHeader = p[6];
    return true;
  }
  return false;
}

size_t DpBuildIpHeader(uint8_t family, const uint8_t* src, const uint8_t* dst, uint8_t proto, size_t payloadLength,
                       uint8_t* out) {
  if (family == 4) {
    std::memset(out, 0, 20);
    out[0] = 0x45;
    Put16(out + 2, static_cast<uint16_t>(20 + payloadLength));
    Put16(out + 6, 0x4000);  // DF: the packet was not fragmented (fragments are not sent in transport mode)
    out[8] = 64;
    out[9] = proto;
    std::memcpy(out + 12, src, 4);
    std::memcpy(out + 16, dst, 4);
    Put16(out + 10, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, out, 20))));
    return 20;
  }
  std::memset(out, 0, 8);
  out[0] = 0x60;
  Put16(out + 4, static_cast<uint16_t>(payloadLength));
  out[6] = proto;
  out[7] = 64;
  std::memcpy(out + 8, src, 16);
  std::memcpy(out + 24, dst, 16);
  return 40;
}

void DpRewriteAddresses(uint8_t* p, size_t length, const uint8_t* src, const uint8_t* dst) {
  bool v6 = (p[0] >> 4) == 6;
  size_t header = v6 ? 40 : 20, alen = v6 ? 16 : 4;
  uint8_t* addrs = p + (v6 ? 8 : 12);
  uint8_t proto = v6 ? p[6] : p[9];
  uint8_t fresh[32];
  std::memcpy(fresh, src, alen);
  std::memcpy(fresh + alen, dst, alen);
  size_t field = proto == 6 ? 16 : proto == 17 ? 6 : (proto == 58 && v6) ? 2 : 0;
  if (field && length >= header + field + 2) {
    uint8_t* check = p + header + field;
    uint16_t old = Get16(check);
    if (!(proto == 17 && old == 0 && !v6)) {  // an IPv4 UDP checksum of 0 means "none": it stays so
      // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over the address words.
      uint64_t sum = static_cast<uint16_t>(~old);
      sum += static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, addrs, 2 * alen)));
      sum = DpCsumAdd(sum, fresh, 2 * alen);
      uint16_t c = static_cast<uint16_t>(~DpCsumFold(sum));
      Put16(check, proto == 17 && c == 0 ? 0xFFFF : c);
    }
  }
  std::memcpy(addrs, fresh, 2 * alen);
  if (!v6) {
    Put16(p + 10, 0);
    Put16(p + 10, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, p, 20))));
  }
}
