// The outbound workers of the data path (datapath_core.h): TUN queue → policy → SA → seal → sendmmsg / UDP GSO.
// A batch is made in two steps. First, without any lock, packets are read from this worker's TUN queue, matched
// to a policy and an SA, and segmented (TSO super-packets) or copied into the arena where their ESP packets will
// be (transport mode: without their IP header). Then the batch's SAs are locked (in address order, so workers
// cannot deadlock), every packet is sealed in place with its SA's next sequence number, consecutive datagrams of
// one SA and size become UDP GSO sends, and the batch takes a send ticket of each of its SAs before the locks are
// released. It is sent when every one of its SAs is at its ticket (the batches sealed before it are sent), so
// sequence numbers leave in order even when several queues feed one SA and the peer's replay window sees no
// batch overtake, while the next batch is sealed during this one's send. Tickets are taken holding all of a
// batch's locks, so their order is the same on every SA: no two batches wait for each other.
#include "datapath_core.h"

#include <netinet/udp.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <thread>

#include "datapath_packet.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace {

constexpr size_t kSlack = 64;            // ChaCha20-Poly1305 may borrow up to this much around a packet
constexpr size_t kMaxRead = 65536 + 16;  // a TSO super-packet plus its virtio header
constexpr size_t kArena = 512 * 1024;    // the ESP packets of one batch, back to back
constexpr size_t kMaxRun = 64;           // UDP GSO: at most 64 segments and 64 KB per send
constexpr size_t kMaxPending = 512;      // packets per batch

struct Pending {
  DpSa* sa;
  size_t offset;       // where its ESP packet starts in the arena
  size_t innerLength;  // the payload at offset + headerLength: the inner packet, or (transport) the IP payload
  uint8_t nextHeader;
};

}  // namespace

void Datapath::OutboundLoop(size_t queue) {
  const int tun = tuns_[queue], sock = socks_[queue];
  std::unique_ptr<uint8_t[]> readBuf(new uint8_t[kMaxRead]);
  std::unique_ptr<uint8_t[]> arena(new uint8_t[kArena]);
  std::vector<Pending> pending;
  pending.reserve(kMaxPending);
  std::vector<DpSa*> held;
  std::vector<uint64_t> tickets;
  std::vector<mmsghdr> msgs(kMaxPending);
  std::vector<iovec> iovs(kMaxPending);
  constexpr size_t kCmsgSpace = CMSG_SPACE(sizeof(uint16_t));
  std::vector<uint8_t> cmsgs(kMaxPending * kCmsgSpace);
  const size_t vnet = vnetHdr_ ? sizeof(DpVnetHdr) : 0;
  size_t cursor = 0;  // the end of the arena's ESP packets
  int64_t now = 0;

  auto sendAll = [&](size_t nMsgs) {
    size_t done = 0;
    while (done < nMsgs) {
      int r = sendmmsg(sock, msgs.data() + done, static_cast<unsigned>(nMsgs - done), 0);
      if (r < 0) {
        if (errno == EAGAIN || errno == ENOBUFS) {
          pollfd w{sock, POLLOUT, 0};
          poll(&w, 1, 10);
          continue;
        }
        Count(kDpSendErrors, nMsgs - done);
        break;
      }
      for (int i = 0; i < r; i++) {
        size_t seg = 1;
        const msghdr& h = msgs[done + static_cast<size_t>(i)].msg_hdr;
        if (h.msg_controllen) {
          uint16_t s;
          std::memcpy(&s, CMSG_DATA(CMSG_FIRSTHDR(&h)), sizeof s);
          seg = (h.msg_iov->iov_len + s - 1) / s;
        }
        Count(kDpSent, seg);
      }
      done += static_cast<size_t>(r);
    }
  };

  // Step two: seal the batch under its SAs' locks and send it.
  auto flush = [&]() {
    if (pending.empty()) return;
    held.clear();
    for (const Pending& p : pending)
      if (std::find(held.begin(), held.end(), p.sa) == held.end()) held.push_back(p.sa);
    std::sort(held.begin(), held.end(), std::less<DpSa*>());
    for (DpSa* sa : held) sa->lock.lock();
    // The run being built: consecutive datagrams to one SA's peer of one size (the last may be shorter).
    size_t nMsgs = 0;
    const DpSa* runSa = nullptr;
    size_t runStart = 0, runEnd = 0, runSeg = 0, runCount = 0;
    bool runClosed = false;
    auto closeRun = [&]() {
      if (!runSa || runCount == 0) return;
      mmsghdr& m = msgs[nMsgs];
      std::memset(&m, 0, sizeof m);
      iovs[nMsgs] = {arena.get() + runStart, runEnd - runStart};
      m.msg_hdr.msg_iov = &iovs[nMsgs];
      m.msg_hdr.msg_iovlen = 1;
      m.msg_hdr.msg_name = const_cast<sockaddr_storage*>(&runSa->remote);
      m.msg_hdr.msg_namelen = runSa->remoteLength;
      if (runCount > 1) {
        uint8_t* c = cmsgs.data() + nMsgs * kCmsgSpace;
        std::memset(c, 0, kCmsgSpace);
        m.msg_hdr.msg_control = c;
        m.msg_hdr.msg_controllen = kCmsgSpace;
        cmsghdr* cm = CMSG_FIRSTHDR(&m.msg_hdr);
        cm->cmsg_level = IPPROTO_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = static_cast<uint16_t>(runSeg);
        std::memcpy(CMSG_DATA(cm), &seg, sizeof seg);
      }
      nMsgs++;
      runSa = nullptr;
      runCount = 0;
      runClosed = false;
    };
    for (const Pending& p : pending) {
      DpSa* sa = p.sa;
      if (sa->hardFired.load(std::memory_order_relaxed)) {  // reached while this batch was read
        Count(kDpExpired);
        continue;
      }
      size_t outOffset = 0, outLength = 0;
      EspStatus st = sa->esp->Seal(arena.get(), kArena, p.offset + sa->esp->headerLength(), p.innerLength,
                                   p.nextHeader, &outOffset, &outLength);
      if (st != EspStatus::kOk) {
        Count(kDpSealErrors);
        continue;
      }
      Account(sa, p.innerLength, now);
      bool joins = gso_ && runSa == sa && !runClosed && outOffset == runEnd && outLength <= runSeg &&
                   runCount < kMaxRun && runEnd + outLength - runStart <= 65000;
      if (!joins) {
        closeRun();
        runSa = sa;
        runStart = outOffset;
        runSeg = outLength;
      }
      runCount++;
      runEnd = outOffset + outLength;
      if (outLength < runSeg) runClosed = true;  // a shorter datagram ends a GSO run
    }
    closeRun();
    tickets.clear();
    for (DpSa* sa : held) {
      tickets.push_back(sa->sendTicket++);
      sa->lock.unlock();
    }
    for (size_t i = 0; i < held.size(); i++) {
      for (int spins = 0; held[i]->sendTurn.load(std::memory_order_acquire) != tickets[i]; spins++) {
        if (spins > 64) std::this_thread::yield();
      }
    }
    sendAll(nMsgs);
    for (DpSa* sa : held) sa->sendTurn.fetch_add(1, std::memory_order_release);
    pending.clear();
    cursor = 0;
  };

  // Step one: where a payload of at most `maxLength` octets for `sa` goes (flushing first if the batch is full),
  // then `add` records it.
  auto place = [&](const DpSa* sa, size_t maxLength) {
    if (cursor + sa->esp->sealedLength(maxLength) + 2 * kSlack > kArena || pending.size() >= kMaxPending) flush();
    return cursor + sa->esp->headerLength();
  };
  auto add = [&](DpSa* sa, size_t innerLength, uint8_t nextHeader) {
    pending.push_back({sa, cursor, innerLength, nextHeader});
    cursor += sa->esp->sealedLength(innerLength);
  };

  pollfd fds[2] = {{tun, POLLIN, 0}, {stopFd_, POLLIN, 0}};
  while (running_.load(std::memory_order_relaxed)) {
    if (poll(fds, 2, 500) <= 0 || (fds[1].revents & POLLIN)) continue;
    std::shared_ptr<const DpSnapshot> snap = tables_.Load();  // outlives the batch's raw DpSa pointers
    now = static_cast<int64_t>(time(nullptr));
    for (int reads = 0; reads < 64; reads++) {
      ssize_t r = read(tun, readBuf.get(), kMaxRead);
      if (r <= 0) break;
      if (static_cast<size_t>(r) <= vnet) continue;
      DpVnetHdr hdr{};
      if (vnet) std::memcpy(&hdr, readBuf.get(), sizeof hdr);
      uint8_t* pkt = readBuf.get() + vnet;
      size_t len = static_cast<size_t>(r) - vnet;
      Count(kDpTunPackets);
      DpFlow flow;
      if (!DpParseFlow(pkt, len, &flow)) {
        Count(kDpNotIp);
        continue;
      }
      const DpPolicy* pol = snap->MatchOut(flow);
      if (!pol) {
        Count(kDpNoPolicy);
        continue;
      }
      pol->packets->fetch_add(1, std::memory_order_relaxed);
      switch (pol->action) {
        case DpAction::kIpsec: break;
        case DpAction::kPass: Count(kDpPolicyPass); continue;
        case DpAction::kDrop: Count(kDpPolicyDrop); continue;
        case DpAction::kReject: Count(kDpPolicyReject); Reject(pkt, len); continue;
        case DpAction::kHold: Count(kDpPolicyHold); continue;
        case DpAction::kTrap:
          if (!pol->acquired->exchange(true)) {
            Count(kDpAcquires);
            DpEvent e;
            e.type = DpEvent::kAcquire;
            e.sel.family = flow.family;
            std::memcpy(e.sel.src, flow.src, 16);
            std::memcpy(e.sel.dst, flow.dst, 16);
            e.sel.srcPrefix = e.sel.dstPrefix = flow.family == 4 ? 32 : 128;
            e.sel.proto = flow.proto;
            e.sel.srcPort = flow.srcPort;
            e.sel.dstPort = flow.dstPort;
            Push(std::move(e));
          }
          Count(kDpPolicyHold);
          continue;
      }
      auto it = snap->outSas.find(pol->reqid);
      if (it == snap->outSas.end()) {
        Count(kDpNoSa);
        continue;
      }
      DpSa* sa = it->second.get();
      if (sa->hardFired.load(std::memory_order_relaxed)) {
        Count(kDpExpired);
        continue;
      }
      // Tunnel mode: the whole packet, IPv4 or IPv6 inside. Transport mode: its IP header comes off.
      size_t strip = 0;
      uint8_t nextHeader = flow.family == 4 ? 4 : 41;
      if (sa->transport && !DpTransportHeader(pkt, len, &strip, &nextHeader)) {
        Count(kDpUnsupported);
        continue;
      }
      uint8_t gsoType = hdr.gsoType & 0x7F;  // without VIRTIO_NET_HDR_GSO_ECN (CWR is kept on the first segment)
      if (gsoType == kVnetGsoTcpV4 || gsoType == kVnetGsoTcpV6) {
        DpTsoPlan plan;
        if (!DpTsoPrepare(pkt, len, hdr.gsoSize, &plan)) {
          Count(kDpMalformed);
          continue;
        }
        if (plan.count > 1) pol->packets->fetch_add(plan.count - 1, std::memory_order_relaxed);
        for (size_t i = 0; i < plan.count; i++) {
          uint8_t* at = arena.get() + place(sa, plan.ipHeader + plan.tcpHeader + plan.mss);
          size_t n = DpTsoSegment(pkt, plan, i, at);
          if (strip) std::memmove(at, at + strip, n - strip);
          add(sa, n - strip, nextHeader);
        }
        continue;
      }
      if (gsoType != kVnetGsoNone) {  // UDP (USO) was not offered to the TUN: nothing else should come
        Count(kDpMalformed);
        continue;
      }
      if ((hdr.flags & kVnetNeedsCsum) && !DpCompleteCsum(pkt, len, hdr.csumStart, hdr.csumOffset)) {
        Count(kDpMalformed);
        continue;
      }
      std::memcpy(arena.get() + place(sa, len), pkt + strip, len - strip);
      add(sa, len - strip, nextHeader);
    }
    flush();
  }
}
