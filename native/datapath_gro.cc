// TCP coalescing of inbound inner packets before the TUN (see datapath_gro.h). The rules follow Linux's
// tcp_gro_receive: same addresses, ports, ACK number, window and options; in-order sequence numbers; only ACK
// (and PSH on the last segment); equal segment sizes but the last.
#include "datapath_gro.h"

#include <cstring>

namespace {

constexpr size_t kMaxSuper = 65535;

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Get32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

constexpr uint8_t kAck = 0x10, kPsh = 0x08;

}  // namespace

DpTcpCoalescer::DpTcpCoalescer(std::function<void(const DpVnetHdr&, const uint8_t*, size_t)> write)
    : write_(std::move(write)), buf_(new uint8_t[kMaxSuper]) {}

bool DpTcpCoalescer::Eligible(const uint8_t* p, size_t length, size_t* ipHeader, size_t* tcpHeader) const {
  if (length < 40) return false;
  uint8_t version = p[0] >> 4;
  if (version == 4) {
    // No IP options, not a fragment, TCP.
    if (p[0] != 0x45 || p[9] != 6 || (Get16(p + 6) & 0x3FFF) != 0 || Get16(p + 2) != length) return false;
    *ipHeader = 20;
  } else if (version == 6) {
    if (length < 60 || p[6] != 6 || static_cast<size_t>(Get16(p + 4)) + 40 != length) return false;
    *ipHeader = 40;
  } else {
    return false;
  }
  const uint8_t* tcp = p + *ipHeader;
  *tcpHeader = static_cast<size_t>(tcp[12] >> 4) * 4;
  if (*tcpHeader < 20 || *ipHeader + *tcpHeader >= length) return false;  // carries data
  uint8_t flags = tcp[13];
  return (flags & ~kPsh) == kAck;
}

bool DpTcpCoalescer::Joins(const uint8_t* p, size_t length, size_t ipHeader, size_t tcpHeader) const {
  if (!length_ || closed_ || ipHeader != ipHeader_ || tcpHeader != tcpHeader_) return false;
  size_t payload = length - ipHeader - tcpHeader;
  if (payload > mss_ || length_ + payload > kMaxSuper) return false;
  const uint8_t* a = buf_.get();
  if (ipHeader == 20) {
    // Version..TOS, TTL, protocol, addresses equal (ID, length and checksum differ per segment).
    if (a[1] != p[1] || a[8] != p[8] || std::memcmp(a + 12, p + 12, 8) != 0) return false;
  } else if (std::memcmp(a, p, 4) != 0 || std::memcmp(a + 6, p + 6, 34) != 0) {
    return false;
  }
  const uint8_t* ta = a + ipHeader;
  const uint8_t* tp = p + ipHeader;
  if (std::memcmp(ta, tp, 4) != 0 || Get32(tp + 4) != nextSeq_) return false;         // ports, sequence
  if (std::memcmp(ta + 8, tp + 8, 5) != 0 || std::memcmp(ta + 14, tp + 14, 2) != 0) return false;  // ack, offset, window
  if (tcpHeader > 20 && std::memcmp(ta + 20, tp + 20, tcpHeader - 20) != 0) return false;  // options (timestamps)
  return true;
}

void DpTcpCoalescer::WritePlain(const uint8_t* p, size_t length) {
  DpVnetHdr hdr{};
  hdr.flags = kVnetDataValid;  // the ESP ICV vouched for it
  write_(hdr, p, length);
}

void DpTcpCoalescer::Add(const uint8_t* p, size_t length) {
  size_t ipHeader = 0, tcpHeader = 0;
  if (!Eligible(p, length, &ipHeader, &tcpHeader)) {
    Flush();
    WritePlain(p, length);
    return;
  }
  size_t payload = length - ipHeader - tcpHeader;
  if (Joins(p, length, ipHeader, tcpHeader)) {
    std::memcpy(buf_.get() + length_, p + ipHeader + tcpHeader, payload);
    length_ += payload;
    segments_++;
    nextSeq_ += static_cast<uint32_t>(payload);
    buf_[ipHeader + 13] |= p[ipHeader + 13] & kPsh;
    if (payload < mss_ || (p[ipHeader + 13] & kPsh)) closed_ = true;
    return;
  }
  Flush();
  std::memcpy(buf_.get(), p, length);
  length_ = length;
  ipHeader_ = ipHeader;
  tcpHeader_ = tcpHeader;
  mss_ = payload;
  segments_ = 1;
  v6_ = ipHeader == 40;
  nextSeq_ = Get32(p + ipHeader + 4) + static_cast<uint32_t>(payload);
  closed_ = (p[ipHeader + 13] & kPsh) != 0;
}

void DpTcpCoalescer::Flush() {
  if (!length_) return;
  uint8_t* p = buf_.get();
  if (segments_ == 1) {
    WritePlain(p, length_);
    length_ = 0;
    return;
  }
  size_t l4 = length_ - ipHeader_;
  if (v6_) {
    Put16(p + 4, static_cast<uint16_t>(l4));
  } else {
    Put16(p + 2, static_cast<uint16_t>(length_));
    Put16(p + 10, 0);
    Put16(p + 10, static_cast<uint16_t>(~DpCsumFold(DpCsumAdd(0, p, 20))));
  }
  // Partial checksum: the pseudo-header sum, not inverted; the stack (or whoever segments) completes it.
  uint64_t sum = v6_ ? DpCsumAdd(0, p + 8, 32) : DpCsumAdd(0, p + 12, 8);
  sum += 6 + static_cast<uint64_t>(l4);
  Put16(p + ipHeader_ + 16, DpCsumFold(sum));
  DpVnetHdr hdr{};
  hdr.flags = kVnetNeedsCsum;
  hdr.gsoType = v6_ ? kVnetGsoTcpV6 : kVnetGsoTcpV4;
  hdr.hdrLen = static_cast<uint16_t>(ipHeader_ + tcpHeader_);
  hdr.gsoSize = static_cast<uint16_t>(mss_);
  hdr.csumStart = static_cast<uint16_t>(ipHeader_);
  hdr.csumOffset = 16;
  write_(hdr, p, length_);
  length_ = 0;
}
