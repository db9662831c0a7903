// The inbound workers of the data path (datapath_core.h): recvmmsg (UDP GRO) on this worker's socket → NAT-T
// keep-alive / IKE (non-ESP marker: an event for the control plane) / ESP → open → (transport mode: the IP header
// rebuilt, RFC 4303 §3.1.1, addresses translated by a NAT fixed up, RFC 3948 §3.1.2) → selector check → TCP
// coalescing → the TUN queue of the packet's flow. Each SA is opened holding its lock: a peer's datagrams stay on
// one socket, but a NAT rebinding or a second peer address may bring one SA to two workers, and its replay window
// must check and advance as one.
#include "datapath_core.h"

#include <arpa/inet.h>
#include <netinet/udp.h>
#include <poll.h>

#include <cstring>
#include <ctime>
#include <memory>

#include "datapath_gro.h"
#include "datapath_packet.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace {

constexpr size_t kInBatch = 32;
constexpr size_t kInBuf = 65536;
constexpr size_t kInHeadroom = 64;  // before each datagram: room to rebuild a transport-mode IP header

uint32_t Be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

std::string AddressText(const sockaddr_storage& a, uint16_t* port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    *port = ntohs(v4->sin_port);
  } else {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    *port = ntohs(v6->sin6_port);
  }
  return buf;
}

// The sender's address octets; the family as DpSelector has it (4 or 6).
uint8_t AddressBytes(const sockaddr_storage& a, uint8_t* out) {
  if (a.ss_family == AF_INET) {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in*>(&a)->sin_addr, 4);
    return 4;
  }
  std::memcpy(out, &reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr, 16);
  return 6;
}

}  // namespace

void Datapath::InboundLoop(size_t queue) {
  const int sock = socks_[queue];
  std::unique_ptr<uint8_t[]> bufs(new uint8_t[kInBatch * kInBuf]);
  mmsghdr msgs[kInBatch];
  iovec iovs[kInBatch];
  sockaddr_storage from[kInBatch];
  constexpr size_t kCmsgSpace = CMSG_SPACE(sizeof(int));
  alignas(cmsghdr) uint8_t cmsgs[kInBatch][kCmsgSpace];

  DpTcpCoalescer gro([this](const DpVnetHdr& hdr, const uint8_t* p, size_t n) { WriteTunWith(hdr, p, n); });

  pollfd fds[2] = {{sock, POLLIN, 0}, {stopFd_, POLLIN, 0}};
  while (running_.load(std::memory_order_relaxed)) {
    if (poll(fds, 2, 500) <= 0 || (fds[1].revents & POLLIN)) continue;
    for (size_t i = 0; i < kInBatch; i++) {
      iovs[i] = {bufs.get() + i * kInBuf + kInHeadroom, kInBuf - kInHeadroom};
      std::memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_control = cmsgs[i];
      msgs[i].msg_hdr.msg_controllen = kCmsgSpace;
    }
    int n = recvmmsg(sock, msgs, kInBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) continue;
    std::shared_ptr<const DpSnapshot> snap = tables_.Load();
    int64_t now = static_cast<int64_t>(time(nullptr));
    for (int i = 0; i < n; i++) {
      uint8_t* base = static_cast<uint8_t*>(iovs[i].iov_base);
      size_t total = msgs[i].msg_len;
      size_t seg = total;
      for (cmsghdr* cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr); cm; cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm)) {
        if (cm->cmsg_level == IPPROTO_UDP && cm->cmsg_type == UDP_GRO) {
          int s;
          std::memcpy(&s, CMSG_DATA(cm), sizeof s);
          if (s > 0) seg = static_cast<size_t>(s);
        }
      }
      // UDP GRO: several datagrams of `seg` octets back to back (the last may be shorter).
      for (size_t off = 0; off < total; off += seg) {
        uint8_t* d = base + off;
        size_t len = std::min(seg, total - off);
        Count(kDpReceived);
        if (len == 1 && d[0] == 0xFF) {  // NAT-T keep-alive (RFC 3948 §2.3)
          Count(kDpKeepalives);
          continue;
        }
        if (len >= 4 && Be32(d) == 0) {  // non-ESP marker: IKE
          Count(kDpIke);
          DpEvent e;
          e.type = DpEvent::kIke;
          e.data.assign(d + 4, d + len);
          e.address = AddressText(from[i], &e.port);
          Push(std::move(e));
          continue;
        }
        if (len < 8) {
          Count(kDpMalformed);
          continue;
        }
        auto it = snap->inSas.find(Be32(d));
        if (it == snap->inSas.end()) {
          Count(kDpBadSpi);
          continue;
        }
        DpSa* sa = it->second.get();
        uint8_t* inner = nullptr;
        size_t innerLength = 0;
        {
          std::lock_guard<std::mutex> hold(sa->lock);
          if (sa->hardFired.load(std::memory_order_relaxed)) {
            Count(kDpExpired);
            continue;
          }
          EspOpenResult res;
          EspStatus st = sa->esp->Open(base, off + len, off, len, &res);
          if (st != EspStatus::kOk) {
            Count(st == EspStatus::kAuth ? kDpAuth
                  : (st == EspStatus::kReplay || st == EspStatus::kTooOld) ? kDpReplay
                  : st == EspStatus::kBadSpi ? kDpBadSpi : kDpMalformed);
            continue;
          }
          if (res.nextHeader == 59) continue;  // a dummy packet (RFC 4303 §2.6): dropped silently
          inner = base + res.payloadOffset;
          innerLength = res.payloadLength;
          // Transport mode: an IP header with the addresses the peer's checksums were made with (its selector's
          // host addresses), rewritten below to the ones this host sees if a NAT changed them.
          const DpSelector& sel = sa->sel;
          const size_t alen = sel.family == 4 ? 4 : 16;
          uint8_t peer[16] = {0};
          const uint8_t* local = localWildcard_ ? sel.dst : localAddr_;
          const uint8_t* srcWas = sel.srcPrefix == alen * 8 ? sel.src : peer;
          const uint8_t* dstWas = sel.dstPrefix == alen * 8 ? sel.dst : local;
          if (sa->transport) {
            if (AddressBytes(from[i], peer) != sel.family) {
              Count(kDpSelector);
              continue;
            }
            size_t h = sel.family == 4 ? 20 : 40;
            if (innerLength + h > 65535) {
              Count(kDpMalformed);
              continue;
            }
            inner -= h;  // over the ESP header (and the headroom or the previous, consumed, datagram)
            DpBuildIpHeader(sel.family, srcWas, dstWas, res.nextHeader, innerLength, inner);
            innerLength += h;
          }
          DpFlow flow;
          if ((!sa->transport && res.nextHeader != 4 && res.nextHeader != 41) || !DpParseFlow(inner, innerLength, &flow)) {
            Count(kDpMalformed);
            continue;
          }
          if (!DpSelectorMatches(sel, flow)) {
            sa->selectorDrops.fetch_add(1, std::memory_order_relaxed);
            Count(kDpSelector);
            continue;
          }
          if (sa->transport && (std::memcmp(srcWas, peer, alen) != 0 || std::memcmp(dstWas, local, alen) != 0))
            DpRewriteAddresses(inner, innerLength, peer, local);
          Account(sa, res.payloadLength, now);
        }
        Count(kDpDelivered);
        if (vnetHdr_) gro.Add(inner, innerLength);
        else WriteTun(inner, innerLength);
      }
    }
    gro.Flush();
  }
}
