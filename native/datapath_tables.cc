// Selectors, packet flows and the copy-on-write policy/SA tables of the userspace data path.
#include "datapath_tables.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace {

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

bool PrefixMatches(const uint8_t* net, uint8_t prefix, const uint8_t* addr) {
  size_t full = prefix / 8;
  if (full && std::memcmp(net, addr, full) != 0) return false;
  unsigned rest = prefix % 8;
  if (!rest) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (net[full] & mask) == (addr[full] & mask);
}

bool HasPorts(uint8_t proto) { return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == 132 /* SCTP */; }

void ReadPorts(const uint8_t* l4, size_t avail, uint8_t proto, DpFlow* out) {
  if (HasPorts(proto) && avail >= 4) {
    out->srcPort = Be16(l4);
    out->dstPort = Be16(l4 + 2);
  } else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && avail >= 2) {
    out->srcPort = l4[0];
    out->dstPort = l4[1];
  }
}

// Libreswan/XFRM order: priority first, then the more specific selector.
bool PolicyBefore(const DpPolicy& a, const DpPolicy& b) {
  if (a.priority != b.priority) return a.priority < b.priority;
  int sa = a.sel.srcPrefix + a.sel.dstPrefix, sb = b.sel.srcPrefix + b.sel.dstPrefix;
  if (sa != sb) return sa > sb;
  return (a.sel.proto != 0) > (b.sel.proto != 0);
}

}  // namespace

bool DpParseFlow(const uint8_t* p, size_t length, DpFlow* out) {
  if (length < 1) return false;
  *out = DpFlow();
  uint8_t version = p[0] >> 4;
  if (version == 4) {
    if (length < 20) return false;
    size_t ihl = static_cast<size_t>(p[0] & 0x0F) * 4;
    size_t total = Be16(p + 2);
    if (ihl < 20 || total < ihl || total > length) return false;
    out->family = 4;
    std::memcpy(out->src, p + 12, 4);
    std::memcpy(out->dst, p + 16, 4);
    out->proto = p[9];
    bool firstFragment = (Be16(p + 6) & 0x1FFF) == 0;
    if (firstFragment) ReadPorts(p + ihl, total - ihl, out->proto, out);
    return true;
  }
  if (version == 6) {
    if (length < 40) return false;
    size_t total = 40 + static_cast<size_t>(Be16(p + 4));
    if (total > length) return false;
    out->family = 6;
    std::memcpy(out->src, p + 8, 16);
    std::memcpy(out->dst, p + 24, 16);
    // Walk the common extension headers to the upper-layer protocol.
    uint8_t next = p[6];
    size_t off = 40;
    for (int i = 0; i < 8; i++) {
      if (next == 0 || next == 43 || next == 60) {  // hop-by-hop, routing, destination options
        if (off + 8 > total) return false;
        uint8_t nh = p[off];
        off += (static_cast<size_t>(p[off + 1]) + 1) * 8;
        next = nh;
      } else if (next == 44) {  // fragment: ports only in the first one
        if (off + 8 > total) return false;
        uint8_t nh = p[off];
        bool first = (Be16(p + off + 2) & 0xFFF8) == 0;
        off += 8;
        next = nh;
        if (!first) {
          out->proto = next;
          return true;
        }
      } else {
        break;
      }
    }
    if (off > total) return false;
    out->proto = next;
    ReadPorts(p + off, total - off, next, out);
    return true;
  }
  return false;
}

bool DpSelectorMatches(const DpSelector& sel, const DpFlow& flow) {
  if (sel.family != flow.family) return false;
  if (!PrefixMatches(sel.src, sel.srcPrefix, flow.src) || !PrefixMatches(sel.dst, sel.dstPrefix, flow.dst)) return false;
  if (sel.proto && sel.proto != flow.proto) return false;
  if (sel.srcPort && sel.srcPort != flow.srcPort) return false;
  if (sel.dstPort && sel.dstPort != flow.dstPort) return false;
  return true;
}

bool DpParseCidr(const std::string& text, uint8_t* family, uint8_t* addr, uint8_t* prefix) {
  size_t slash = text.find('/');
  std::string host = slash == std::string::npos ? text : text.substr(0, slash);
  uint8_t buf[16] = {0};
  unsigned max = 0;
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) {
    *family = 4;
    max = 32;
  } else if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    *family = 6;
    max = 128;
  } else {
    return false;
  }
  unsigned bits = max;
  if (slash != std::string::npos) {
    std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    bits = static_cast<unsigned>(std::stoul(p));
    if (bits > max) return false;
  }
  // Keep only the network part so that equal subnets compare equal.
  for (unsigned i = 0; i < 16; i++) {
    unsigned have = i * 8 >= bits ? 0 : std::min(8u, bits - i * 8);
    buf[i] &= static_cast<uint8_t>(have ? 0xFF << (8 - have) : 0);
  }
  std::memcpy(addr, buf, 16);
  *prefix = static_cast<uint8_t>(bits);
  return true;
}

std::string DpCidrText(uint8_t family, const uint8_t* addr, uint8_t prefix) {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

bool DpParseSockaddr(const std::string& host, uint16_t port, sockaddr_storage* out, socklen_t* length) {
  std::memset(out, 0, sizeof *out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

bool DpSameSelector(const DpSelector& a, const DpSelector& b) {
  return a.family == b.family && a.srcPrefix == b.srcPrefix && a.dstPrefix == b.dstPrefix && a.proto == b.proto &&
         a.srcPort == b.srcPort && a.dstPort == b.dstPort && std::memcmp(a.src, b.src, 16) == 0 &&
         std::memcmp(a.dst, b.dst, 16) == 0;
}

const DpPolicy* DpSnapshot::MatchOut(const DpFlow& flow) const {
  for (const DpPolicy& p : outPolicies)
    if (DpSelectorMatches(p.sel, flow)) return &p;
  return nullptr;
}

void DpSnapshot::SortPolicies() {
  std::stable_sort(outPolicies.begin(), outPolicies.end(), PolicyBefore);
  std::stable_sort(inPolicies.begin(), inPolicies.end(), PolicyBefore);
}

DpTables::DpTables() : current_(std::make_shared<DpSnapshot>()) {}

bool DpTables::AddSa(std::shared_ptr<DpSa> sa, bool replace, std::string* error) {
  auto next = std::make_shared<DpSnapshot>(*Load());
  if (sa->outbound) {
    auto it = next->outBySpi.find(sa->spi);
    if (it != next->outBySpi.end() && !replace) {
      *error = "an outbound SA with this SPI exists";
      return false;
    }
    if (it == next->outBySpi.end() && replace) {
      *error = "no outbound SA with this SPI";
      return false;
    }
    if (it != next->outBySpi.end()) {  // a replaced SA may have had another reqid: unhook it there
      auto r = next->outSas.find(it->second->reqid);
      if (r != next->outSas.end() && r->second == it->second) next->outSas.erase(r);
    }
    next->outBySpi[sa->spi] = sa;
    next->outSas[sa->reqid] = sa;
  } else {
    auto it = next->inSas.find(sa->spi);
    if (it != next->inSas.end() && !replace) {
      *error = "an inbound SA with this SPI exists";
      return false;
    }
    if (it == next->inSas.end() && replace) {
      *error = "no inbound SA with this SPI";
      return false;
    }
    next->inSas[sa->spi] = sa;
  }
  Publish(next);
  return true;
}

bool DpTables::DelSa(uint32_t spi, bool outbound, std::string* error) {
  auto next = std::make_shared<DpSnapshot>(*Load());
  if (outbound) {
    auto it = next->outBySpi.find(spi);
    if (it == next->outBySpi.end()) {
      *error = "no outbound SA with this SPI";
      return false;
    }
    std::shared_ptr<DpSa> gone = it->second;
    next->outBySpi.erase(it);
    auto r = next->outSas.find(gone->reqid);
    if (r != next->outSas.end() && r->second == gone) {
      next->outSas.erase(r);
      // An older SA of the same reqid (make-before-break rekey) carries the traffic again.
      for (auto& [s, other] : next->outBySpi)
        if (other->reqid == gone->reqid) next->outSas[gone->reqid] = other;
    }
  } else if (next->inSas.erase(spi) == 0) {
    *error = "no inbound SA with this SPI";
    return false;
  }
  Publish(next);
  return true;
}

std::shared_ptr<DpSa> DpTables::FindSa(uint32_t spi, bool outbound) const {
  auto snap = Load();
  const auto& map = outbound ? snap->outBySpi : snap->inSas;
  auto it = map.find(spi);
  return it == map.end() ? nullptr : it->second;
}

bool DpTables::AddPolicy(const DpPolicy& policy, bool replace, std::string* error) {
  auto next = std::make_shared<DpSnapshot>(*Load());
  auto& list = policy.direction == DpDirection::kOut ? next->outPolicies : next->inPolicies;
  auto it = std::find_if(list.begin(), list.end(), [&](const DpPolicy& p) {
    return p.direction == policy.direction && DpSameSelector(p.sel, policy.sel);
  });
  if (it != list.end() && !replace) {
    *error = "a policy with this selector and direction exists";
    return false;
  }
  if (it == list.end() && replace) {
    *error = "no policy with this selector and direction";
    return false;
  }
  DpPolicy copy = policy;
  copy.acquired = std::make_shared<std::atomic<bool>>(false);
  copy.packets = it != list.end() ? it->packets : std::make_shared<std::atomic<uint64_t>>(0);
  if (it != list.end()) *it = copy;
  else list.push_back(copy);
  next->SortPolicies();
  Publish(next);
  return true;
}

bool DpTables::DelPolicy(const DpSelector& sel, DpDirection direction, std::string* error) {
  auto next = std::make_shared<DpSnapshot>(*Load());
  auto& list = direction == DpDirection::kOut ? next->outPolicies : next->inPolicies;
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const DpPolicy& p) { return p.direction == direction && DpSameSelector(p.sel, sel); });
  if (it == list.end()) {
    *error = "no policy with this selector and direction";
    return false;
  }
  list.erase(it);
  Publish(next);
  return true;
}

bool DpTables::PolicyPackets(const DpSelector& sel, DpDirection direction, uint64_t* packets) const {
  auto snap = Load();
  const auto& list = direction == DpDirection::kOut ? snap->outPolicies : snap->inPolicies;
  for (const DpPolicy& p : list) {
    if (p.direction == direction && DpSameSelector(p.sel, sel)) {
      *packets = p.packets->load(std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

size_t DpTables::PolicyCount() const {
  auto s = Load();
  return s->outPolicies.size() + s->inPolicies.size();
}

void DpTables::Flush() { Publish(std::make_shared<DpSnapshot>()); }
