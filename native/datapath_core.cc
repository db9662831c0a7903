// The data path's devices and worker threads (see datapath_core.h).
#include "datapath_core.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "datapath_gro.h"
#include "datapath_packet.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace {

constexpr size_t kHeadroom = 64;        // before each inner packet: ESP header (the kernel adds UDP/IP)
constexpr size_t kMaxRead = 65536 + 16;  // a TSO super-packet plus its virtio header
constexpr size_t kArena = 512 * 1024;   // sealed ESP datagrams of one outbound batch, back to back
constexpr size_t kMaxRun = 64;          // UDP GSO: at most 64 segments and 64 KB per send
constexpr size_t kMaxMsgs = 256;
constexpr size_t kInBatch = 32;
constexpr size_t kInBuf = 65536;

const char* const kCounterNames[kDpCounterCount] = {
    "tunPackets", "sent",      "received",  "delivered", "noPolicy", "policyPass",   "policyDrop",  "policyReject",
    "policyHold", "acquires",  "noSa",      "expired",   "sealErrors", "sendErrors", "keepalives",  "ike",
    "badSpi",     "auth",      "replay",    "malformed", "selector", "tunWriteErrors", "notIp",     "ikeQueueFull"};

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

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

}  // namespace

const char* DpCounterName(int c) { return c >= 0 && c < kDpCounterCount ? kCounterNames[c] : "?"; }

bool Datapath::OpenDevices(const DpOptions& o, std::string* error) {
  mtu_ = o.mtu;
  tun_ = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (tun_ < 0) return *error = Errno("open /dev/net/tun"), false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, o.tunName.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (o.offload ? IFF_VNET_HDR : 0);
  if (ioctl(tun_, TUNSETIFF, &ifr) < 0) return *error = Errno("TUNSETIFF"), false;
  tunName_ = ifr.ifr_name;
  if (o.offload) {
    // Let the stack hand us TCP super-packets (we segment them) with partial checksums (we complete them).
    unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    vnetHdr_ = ioctl(tun_, TUNSETOFFLOAD, off) == 0;
    if (!vnetHdr_) return *error = Errno("TUNSETOFFLOAD"), false;
  }
  int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (ctl < 0) return *error = Errno("socket"), false;
  ifr.ifr_mtu = static_cast<int>(o.mtu);
  bool ok = ioctl(ctl, SIOCSIFMTU, &ifr) == 0;
  // The TUN's queue towards us: 500 packets overflowed under bursts (TCP retransmits without offloads).
  ifreq qlen{};
  std::memcpy(qlen.ifr_name, ifr.ifr_name, IFNAMSIZ);
  qlen.ifr_qlen = 4096;
  if (ok) ok = ioctl(ctl, SIOCSIFTXQLEN, &qlen) == 0;
  if (ok) ok = ioctl(ctl, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags |= IFF_UP;
  if (ok) ok = ioctl(ctl, SIOCSIFFLAGS, &ifr) == 0;
  if (!ok) *error = Errno("bringing the TUN up");
  close(ctl);
  if (!ok) return false;

  sockaddr_storage local{};
  socklen_t localLength = 0;
  if (!DpParseSockaddr(o.localAddress, o.port, &local, &localLength)) return *error = "bad local address", false;
  sockFamily_ = local.ss_family;
  sock_ = socket(sockFamily_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock_ < 0) return *error = Errno("socket"), false;
  int one = 1, size = 8 << 20;
  setsockopt(sock_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Bursts of 64 KB super-packets: large buffers (FORCE works as root, the plain one otherwise).
  if (setsockopt(sock_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(sock_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(sock_, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
    setsockopt(sock_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (bind(sock_, reinterpret_cast<sockaddr*>(&local), localLength) < 0) return *error = Errno("bind"), false;
  sockaddr_storage bound{};
  socklen_t boundLength = sizeof bound;
  if (getsockname(sock_, reinterpret_cast<sockaddr*>(&bound), &boundLength) < 0) return *error = Errno("getsockname"), false;
  localPort_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                 : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (o.offload) {
    int seg = 0;
    gso_ = setsockopt(sock_, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof seg) == 0;
    setsockopt(sock_, IPPROTO_UDP, UDP_GRO, &one, sizeof one);
  }
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) return *error = Errno("eventfd"), false;
  return true;
}

void Datapath::CloseDevices() {
  for (int* fd : {&tun_, &sock_, &stopFd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  vnetHdr_ = gso_ = false;
}

bool Datapath::Start(const DpOptions& options, std::function<void()> notify, std::string* error) {
  if (running_.load()) return *error = "already running", false;
  if (!OpenDevices(options, error)) {
    CloseDevices();
    return false;
  }
  notify_ = std::move(notify);
  running_.store(true);
  outbound_ = std::thread([this] { OutboundLoop(); });
  inbound_ = std::thread([this] { InboundLoop(); });
  return true;
}

void Datapath::Stop() {
  if (!running_.exchange(false)) return;
  uint64_t one = 1;
  if (write(stopFd_, &one, sizeof one) < 0) { /* the workers also poll with a timeout */ }
  if (outbound_.joinable()) outbound_.join();
  if (inbound_.joinable()) inbound_.join();
  CloseDevices();
  notify_ = nullptr;
}

void Datapath::Push(DpEvent&& event) {
  bool wasEmpty;
  {
    std::lock_guard<std::mutex> lock(eventsMutex_);
    if (events_.size() >= 4096) {  // the JS thread is not draining: do not grow without bound
      Count(kDpIkeQueueFull);
      return;
    }
    wasEmpty = events_.empty();
    events_.push_back(std::move(event));
  }
  if (wasEmpty && notify_) notify_();
}

std::vector<DpEvent> Datapath::TakeEvents() {
  std::lock_guard<std::mutex> lock(eventsMutex_);
  std::vector<DpEvent> out;
  out.swap(events_);
  return out;
}

bool Datapath::SendIke(const uint8_t* data, size_t length, const sockaddr_storage& to, socklen_t toLength,
                       std::string* error) {
  if (sock_ < 0 || !running_.load()) return *error = "the data path is not running", false;
  if (to.ss_family != sockFamily_) return *error = "address family differs from the local address", false;
  static const uint8_t kMarker[4] = {0, 0, 0, 0};
  iovec iov[2] = {{const_cast<uint8_t*>(kMarker), 4}, {const_cast<uint8_t*>(data), length}};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_storage*>(&to);
  msg.msg_namelen = toLength;
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  if (sendmsg(sock_, &msg, 0) < 0) return *error = Errno("sendmsg"), false;
  return true;
}

bool Datapath::SendKeepalive(const sockaddr_storage& to, socklen_t toLength, std::string* error) {
  if (sock_ < 0 || !running_.load()) return *error = "the data path is not running", false;
  if (to.ss_family != sockFamily_) return *error = "address family differs from the local address", false;
  static const uint8_t kKeepalive = 0xFF;
  if (sendto(sock_, &kKeepalive, 1, 0, reinterpret_cast<const sockaddr*>(&to), toLength) < 0) return *error = Errno("sendto"), false;
  return true;
}

void Datapath::Account(DpSa* sa, size_t bytes, int64_t now) {
  // One writer per SA (its worker): load + store, no locked read-modify-write.
  uint64_t b = sa->bytes.load(std::memory_order_relaxed) + bytes;
  uint64_t p = sa->packets.load(std::memory_order_relaxed) + 1;
  sa->bytes.store(b, std::memory_order_relaxed);
  sa->packets.store(p, std::memory_order_relaxed);
  if (sa->lastUsed.load(std::memory_order_relaxed) != now) sa->lastUsed.store(now, std::memory_order_relaxed);
  const DpLifetimes& l = sa->lifetimes;
  auto past = [](uint64_t v, uint64_t limit) { return limit && v >= limit; };
  if (!sa->softFired.load(std::memory_order_relaxed) && (past(b, l.softBytes) || past(p, l.softPackets))) {
    sa->softFired.store(true);
    DpEvent e;
    e.type = DpEvent::kExpire;
    e.spi = sa->spi;
    e.address = sa->dstText;
    e.outbound = sa->outbound;
    Push(std::move(e));
  }
  if (!sa->hardFired.load(std::memory_order_relaxed) && (past(b, l.hardBytes) || past(p, l.hardPackets))) {
    sa->hardFired.store(true);
    DpEvent e;
    e.type = DpEvent::kExpire;
    e.spi = sa->spi;
    e.address = sa->dstText;
    e.hard = true;
    e.outbound = sa->outbound;
    Push(std::move(e));
  }
}

void Datapath::WriteTun(const uint8_t* packet, size_t length) {
  // The ESP ICV vouched for the inner packet: tell the stack its checksums need no second look.
  DpVnetHdr hdr{};
  hdr.flags = kVnetDataValid;
  WriteTunWith(hdr, packet, length);
}

void Datapath::WriteTunWith(const DpVnetHdr& hdr, const uint8_t* packet, size_t length) {
  iovec iov[2] = {{const_cast<DpVnetHdr*>(&hdr), sizeof hdr}, {const_cast<uint8_t*>(packet), length}};
  ssize_t r = vnetHdr_ ? writev(tun_, iov, 2) : write(tun_, packet, length);
  if (r < 0) Count(kDpTunWriteErrors);
}

void Datapath::Reject(const uint8_t* packet, size_t length) {
  uint8_t answer[1280];
  size_t n = DpBuildUnreachable(packet, length, answer, sizeof answer);
  if (n) WriteTun(answer, n);
}

void Datapath::OutboundLoop() {
  std::unique_ptr<uint8_t[]> readBuf(new uint8_t[kMaxRead]);
  std::unique_ptr<uint8_t[]> arena(new uint8_t[kArena]);
  std::vector<mmsghdr> msgs(kMaxMsgs);
  std::vector<iovec> iovs(kMaxMsgs);
  constexpr size_t kCmsgSpace = CMSG_SPACE(sizeof(uint16_t));
  std::vector<uint8_t> cmsgs(kMaxMsgs * kCmsgSpace);
  size_t vnet = vnetHdr_ ? sizeof(DpVnetHdr) : 0;

  // The run being built: consecutive datagrams to one SA's peer of one size (the last may be shorter).
  size_t cursor = 0, nMsgs = 0;
  const DpSa* runSa = nullptr;
  size_t runStart = 0, runSeg = 0, runCount = 0;
  bool runClosed = false;
  auto closeRun = [&]() {
    if (!runSa || runCount == 0) return;
    mmsghdr& m = msgs[nMsgs];
    std::memset(&m, 0, sizeof m);
    iovs[nMsgs] = {arena.get() + runStart, cursor - runStart};
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
  auto flush = [&]() {
    closeRun();
    size_t done = 0;
    while (done < nMsgs) {
      int r = sendmmsg(sock_, msgs.data() + done, static_cast<unsigned>(nMsgs - done), 0);
      if (r < 0) {
        if (errno == EAGAIN || errno == ENOBUFS) {
          pollfd w{sock_, POLLOUT, 0};
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
    cursor = nMsgs = 0;
  };
  // Seals one inner packet (already at arena + cursor + headerLength) and adds it to the current run.
  auto sealOne = [&](DpSa* sa, size_t innerLength, uint8_t nextHeader, int64_t now) {
    size_t outOffset = 0, outLength = 0;
    size_t payloadOffset = cursor + sa->esp->headerLength();
    EspStatus st = sa->esp->Seal(arena.get(), kArena, payloadOffset, innerLength, nextHeader, &outOffset, &outLength);
    if (st != EspStatus::kOk) {
      Count(kDpSealErrors);
      return;
    }
    Account(sa, innerLength, now);
    bool joins = gso_ && runSa == sa && !runClosed && outLength <= runSeg && runCount < kMaxRun &&
                 cursor + outLength - runStart <= 65000;
    if (!joins) {
      closeRun();
      runSa = sa;
      runStart = cursor;
      runSeg = outLength;
    }
    runCount++;
    if (outLength < runSeg) runClosed = true;  // a shorter datagram ends a GSO run
    cursor += outLength;
  };

  pollfd fds[2] = {{tun_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
  while (running_.load(std::memory_order_relaxed)) {
    if (poll(fds, 2, 500) <= 0 || (fds[1].revents & POLLIN)) continue;
    std::shared_ptr<const DpSnapshot> snap = tables_.Load();
    int64_t now = static_cast<int64_t>(time(nullptr));
    for (int reads = 0; reads < 64; reads++) {
      ssize_t r = read(tun_, readBuf.get(), kMaxRead);
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
      uint8_t nextHeader = flow.family == 4 ? 4 : 41;  // tunnel mode: IPv4 / IPv6 inside
      size_t room = sa->esp->headerLength() + sa->esp->trailerMax() + kHeadroom;
      uint8_t gsoType = hdr.gsoType & 0x7F;  // without VIRTIO_NET_HDR_GSO_ECN (CWR is kept on the first segment)
      if (gsoType == kVnetGsoTcpV4 || gsoType == kVnetGsoTcpV6) {
        DpTsoPlan plan;
        if (!DpTsoPrepare(pkt, len, hdr.gsoSize, &plan)) {
          Count(kDpMalformed);
          continue;
        }
        for (size_t i = 0; i < plan.count; i++) {
          if (cursor + room + plan.ipHeader + plan.tcpHeader + plan.mss > kArena || nMsgs + 1 >= kMaxMsgs) flush();
          size_t n = DpTsoSegment(pkt, plan, i, arena.get() + cursor + sa->esp->headerLength());
          sealOne(sa, n, nextHeader, now);
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
      if (cursor + room + len > kArena || nMsgs + 1 >= kMaxMsgs) flush();
      std::memcpy(arena.get() + cursor + sa->esp->headerLength(), pkt, len);
      sealOne(sa, len, nextHeader, now);
    }
    flush();
  }
}

void Datapath::InboundLoop() {
  std::unique_ptr<uint8_t[]> bufs(new uint8_t[kInBatch * kInBuf]);
  mmsghdr msgs[kInBatch];
  iovec iovs[kInBatch];
  sockaddr_storage from[kInBatch];
  constexpr size_t kCmsgSpace = CMSG_SPACE(sizeof(int));
  alignas(cmsghdr) uint8_t cmsgs[kInBatch][kCmsgSpace];

  DpTcpCoalescer gro([this](const DpVnetHdr& hdr, const uint8_t* p, size_t n) { WriteTunWith(hdr, p, n); });

  pollfd fds[2] = {{sock_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
  while (running_.load(std::memory_order_relaxed)) {
    if (poll(fds, 2, 500) <= 0 || (fds[1].revents & POLLIN)) continue;
    for (size_t i = 0; i < kInBatch; i++) {
      iovs[i] = {bufs.get() + i * kInBuf, kInBuf};
      std::memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_control = cmsgs[i];
      msgs[i].msg_hdr.msg_controllen = kCmsgSpace;
    }
    int n = recvmmsg(sock_, msgs, kInBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) continue;
    std::shared_ptr<const DpSnapshot> snap = tables_.Load();
    int64_t now = static_cast<int64_t>(time(nullptr));
    for (int i = 0; i < n; i++) {
      uint8_t* base = bufs.get() + static_cast<size_t>(i) * kInBuf;
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
        uint8_t* inner = base + res.payloadOffset;
        DpFlow flow;
        if ((res.nextHeader != 4 && res.nextHeader != 41) || !DpParseFlow(inner, res.payloadLength, &flow)) {
          Count(kDpMalformed);
          continue;
        }
        if (!DpSelectorMatches(sa->sel, flow)) {
          sa->selectorDrops.fetch_add(1, std::memory_order_relaxed);
          Count(kDpSelector);
          continue;
        }
        Account(sa, res.payloadLength, now);
        Count(kDpDelivered);
        if (vnetHdr_) gro.Add(inner, res.payloadLength);
        else WriteTun(inner, res.payloadLength);
      }
    }
    gro.Flush();
  }
}
