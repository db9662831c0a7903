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

#include "datapath_packet.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace {


const char* const kCounterNames[kDpCounterCount] = {
    "tunPackets", "sent",      "received",  "delivered", "noPolicy", "policyPass",   "policyDrop",  "policyReject",
    "policyHold", "acquires",  "noSa",      "expired",   "sealErrors", "sendErrors", "keepalives",  "ike",
    "badSpi",     "auth",      "replay",    "malformed", "selector", "tunWriteErrors", "notIp",     "ikeQueueFull", "unsupported"};

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

uint32_t Be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

}  // namespace

const char* DpCounterName(int c) { return c >= 0 && c < kDpCounterCount ? kCounterNames[c] : "?"; }

bool Datapath::OpenQueue(const DpOptions& o, bool first, std::string* error) {
  int tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (tun < 0) return *error = Errno("open /dev/net/tun"), false;
  tuns_.push_back(tun);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, first ? o.tunName.c_str() : tunName_.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | (o.offload ? IFF_VNET_HDR : 0) |
                                     (o.queues > 1 ? IFF_MULTI_QUEUE : 0));
  if (ioctl(tun, TUNSETIFF, &ifr) < 0) return *error = Errno("TUNSETIFF"), false;
  if (first) tunName_ = ifr.ifr_name;
  if (o.offload) {
    // Let the stack hand us TCP super-packets (we segment them) with partial checksums (we complete them).
    unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    vnetHdr_ = ioctl(tun, TUNSETOFFLOAD, off) == 0;
    if (!vnetHdr_) return *error = Errno("TUNSETOFFLOAD"), false;
  }

  sockaddr_storage local{};
  socklen_t localLength = 0;
  // The first queue binds the asked port (0: the kernel chooses); the others join the port it got.
  if (!DpParseSockaddr(o.localAddress, first ? o.port : localPort_, &local, &localLength)) return *error = "bad local address", false;
  sockFamily_ = local.ss_family;
  int sock = socket(sockFamily_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock < 0) return *error = Errno("socket"), false;
  socks_.push_back(sock);
  int one = 1, size = 8 << 20;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // One socket per queue on the same port: the kernel keeps each peer's datagrams on one of them.
  if (o.queues > 1 && setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
    return *error = Errno("SO_REUSEPORT"), false;
  // Bursts of 64 KB super-packets: large buffers (FORCE works as root, the plain one otherwise).
  if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
    setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (bind(sock, reinterpret_cast<sockaddr*>(&local), localLength) < 0) return *error = Errno("bind"), false;
  if (first) {
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    if (getsockname(sock, reinterpret_cast<sockaddr*>(&bound), &boundLength) < 0) return *error = Errno("getsockname"), false;
    localPort_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                   : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  if (o.offload) {
    int seg = 0;
    gso_ = setsockopt(sock, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof seg) == 0;
    setsockopt(sock, IPPROTO_UDP, UDP_GRO, &one, sizeof one);
  }
  if (local.ss_family == AF_INET) {
    std::memcpy(localAddr_, &reinterpret_cast<sockaddr_in*>(&local)->sin_addr, 4);
    localWildcard_ = reinterpret_cast<sockaddr_in*>(&local)->sin_addr.s_addr == INADDR_ANY;
  } else {
    std::memcpy(localAddr_, &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, 16);
    localWildcard_ = IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr);
  }
  return true;
}

bool Datapath::OpenDevices(const DpOptions& o, std::string* error) {
  mtu_ = o.mtu;
  if (o.queues < 1 || o.queues > 64) return *error = "queues must be in 1..64", false;
  for (unsigned q = 0; q < o.queues; q++)
    if (!OpenQueue(o, q == 0, error)) return false;
  int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (ctl < 0) return *error = Errno("socket"), false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, tunName_.c_str(), IFNAMSIZ - 1);
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
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) return *error = Errno("eventfd"), false;
  return true;
}

void Datapath::CloseDevices() {
  for (int fd : tuns_) close(fd);
  for (int fd : socks_) close(fd);
  tuns_.clear();
  socks_.clear();
  if (stopFd_ >= 0) close(stopFd_);
  stopFd_ = -1;
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
  for (size_t q = 0; q < tuns_.size(); q++) {
    threads_.emplace_back([this, q] { OutboundLoop(q); });
    threads_.emplace_back([this, q] { InboundLoop(q); });
  }
  return true;
}

void Datapath::Stop() {
  if (!running_.exchange(false)) return;
  uint64_t one = 1;
  if (write(stopFd_, &one, sizeof one) < 0) { /* the workers also poll with a timeout */ }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
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
  if (socks_.empty() || !running_.load()) return *error = "the data path is not running", false;
  if (to.ss_family != sockFamily_) return *error = "address family differs from the local address", false;
  static const uint8_t kMarker[4] = {0, 0, 0, 0};
  iovec iov[2] = {{const_cast<uint8_t*>(kMarker), 4}, {const_cast<uint8_t*>(data), length}};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_storage*>(&to);
  msg.msg_namelen = toLength;
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  if (sendmsg(socks_[0], &msg, 0) < 0) return *error = Errno("sendmsg"), false;
  return true;
}

void Datapath::Account(DpSa* sa, size_t bytes, int64_t now) {
  // One writer at a time per SA (whoever holds its lock): load + store, no locked read-modify-write.
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
  int tun = TunFor(packet, length);
  ssize_t r = vnetHdr_ ? writev(tun, iov, 2) : write(tun, packet, length);
  if (r < 0) Count(kDpTunWriteErrors);
}

void Datapath::Reject(const uint8_t* packet, size_t length) {
  uint8_t answer[1280];
  size_t n = DpBuildUnreachable(packet, length, answer, sizeof answer);
  if (n) WriteTun(answer, n);
}

int Datapath::TunFor(const uint8_t* p, size_t length) const {
  if (tuns_.size() == 1) return tuns_[0];
  // Addresses and ports summed (so both directions of a flow agree), then mixed (Fibonacci hashing).
  uint64_t h = 0;
  size_t l4 = 0;
  uint8_t proto = 0;
  auto words = [&](const uint8_t* a, size_t n) {
    for (size_t i = 0; i < n; i += 4) h += Be32(a + i);
  };
  if (length >= 20 && (p[0] >> 4) == 4) {
    words(p + 12, 8);
    l4 = static_cast<size_t>(p[0] & 0x0F) * 4;
    proto = p[9];
  } else if (length >= 40 && (p[0] >> 4) == 6) {
    words(p + 8, 32);
    l4 = 40;
    proto = p[6];
  }
  if ((proto == 6 || proto == 17) && length >= l4 + 4)
    h += (static_cast<uint32_t>(p[l4]) << 8 | p[l4 + 1]) + (static_cast<uint32_t>(p[l4 + 2]) << 8 | p[l4 + 3]);
  h = (h + proto) * 0x9E3779B97F4A7C15ull;
  return tuns_[(h >> 32) % tuns_.size()];
}
